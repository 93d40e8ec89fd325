// Draws the charts of a page in the browser (docs/charts.md).
//
// Each chart is a <div data-chart-spec="ID"> whose Vega-Lite specification sits in the
// element with that id: a <script type="application/json"> data block, which the browser never
// runs. vega-embed (loaded before this module from static/vendor/) draws it with Vega's
// expression interpreter, so no expression is compiled with `new Function` and the content
// security policy needs no 'unsafe-eval'. vega-embed's and the tooltip's own stylesheets would
// be inline <style> elements, which the policy refuses: they are turned off, and the tooltip is
// placed with style properties (allowed) instead.
import { expressionInterpreter } from "/static/vendor/vega-interpreter/vega-interpreter.js";

const OPTIONS = {
  actions: false,
  ast: true,
  expr: expressionInterpreter,
  defaultStyle: false,
  renderer: "svg",
  tooltip: { disableDefaultStyle: true, theme: "light" },
};

function failed(element, error) {
  const message = document.createElement("p");
  message.className = "nhsuk-body-s";
  message.textContent = `This chart could not be drawn (${error.message}).`;
  element.replaceChildren(message);
}

function draw(element) {
  const source = document.getElementById(element.dataset.chartSpec);
  if (source === null) {
    return;
  }
  let spec;
  try {
    spec = JSON.parse(source.textContent);
  } catch (error) {
    failed(element, error);
    return;
  }
  // Vega labels the drawing with the specification's description, in place of the page's text
  // alternative (the findings' sentences): hand it that text. The drawing is one image to a
  // screen reader: Vega's marks, most of them unlabelled, are hidden from it.
  spec.description = element.getAttribute("aria-label") || spec.description;
  window
    .vegaEmbed(element, spec, OPTIONS)
    .then(() => {
      for (const svg of element.querySelectorAll("svg")) {
        svg.setAttribute("aria-hidden", "true");
      }
    })
    .catch((error) => failed(element, error));
}

for (const element of document.querySelectorAll("[data-chart-spec]")) {
  draw(element);
}
