/* The evidence upload form refuses a file over the limit before sending it (data-max-bytes,
   from PCA_MAX_UPLOAD_MB): the server would refuse it too (413), but only after the browser
   has started to send megabytes, and some browsers then show a broken connection instead of
   the server's page. The server's checks stay the rule; this only saves the wait. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-max-bytes]");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var note = form.querySelector("[data-upload-problem]");
  var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
  form.addEventListener("submit", function (event) {
    var file = input && input.files && input.files[0];
    if (file && file.size > limit) {
      event.preventDefault();
      note.textContent = file.name + " was not uploaded: it is " +
        (file.size / 1048576).toFixed(1) + " MB; the limit is " +
        Math.floor(limit / 1048576) + " MB.";
      note.hidden = false;
    }
  });
}());
