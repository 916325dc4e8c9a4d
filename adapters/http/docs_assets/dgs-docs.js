// Starts Swagger UI on the DGS docs page. A file of its own (not an inline script), so
// the page's content security policy can allow scripts from this origin only.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    // No call to swagger.io's validator: the page needs nothing outside this service.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
