/* The case's BPMN diagrams with bpmn-js (NavigatedViewer, served locally), the tasks waiting
   for someone highlighted. Data comes from the JSON endpoint named by data-diagram-url, so the
   page needs no inline script. Each diagram's container lists its highlighted elements in
   data-active once drawn (and data-state="ready"), which tests and screen readers can read. */
(function () {
  "use strict";

  function message(container, text) {
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    container.appendChild(p);
  }

  function draw(container, diagram) {
    var box = document.createElement("section");
    box.className = "bpmn-diagram";
    box.setAttribute("data-process", diagram.process_id);
    var title = document.createElement("h3");
    title.textContent = diagram.title + " process · version " + diagram.version;
    var canvasBox = document.createElement("div");
    canvasBox.className = "bpmn-canvas";
    box.appendChild(title);
    box.appendChild(canvasBox);
    container.appendChild(box);
    var viewer = new window.BpmnJS({ container: canvasBox });
    return viewer.importXML(diagram.xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      var shown = [];
      diagram.active.forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, "pca-active");
          shown.push(id);
        }
      });
      box.setAttribute("data-active", shown.join(" "));
      box.setAttribute("data-state", "ready");
    }).catch(function (err) {
      box.setAttribute("data-state", "failed");
      message(box, "The diagram could not be drawn: " + (err && err.message ? err.message : err));
    });
  }

  function load(container) {
    if (!window.BpmnJS) {
      message(container, "The diagram viewer did not load.");
      return;
    }
    fetch(container.getAttribute("data-diagram-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (body) {
      container.textContent = "";
      if (!body.diagrams.length) { message(container, "This case runs no process."); }
      return Promise.all(body.diagrams.map(function (d) { return draw(container, d); }));
    }).then(function () {
      container.setAttribute("data-state", "ready");
    }).catch(function (err) {
      container.textContent = "";
      container.setAttribute("data-state", "failed");
      message(container, "The process diagram could not be loaded (" + err.message + ").");
    });
  }

  document.querySelectorAll("[data-diagram-url]").forEach(load);
}());
