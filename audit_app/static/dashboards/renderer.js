// Starts Dash's renderer: kept as a file so dashboard pages carry no inline script.
var renderer = new DashRenderer();
