// Starts the vendored Swagger UI on the service's own OpenAPI document (a file, not an inline script,
// so /docs runs under `Content-Security-Policy: default-src 'self'`).
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no calls to validator.swagger.io
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
});
