// Draws the charts of a page in the browser (docs/charts.md).
//
// A page carries its charts in one of two ways. A <div data-charts="URL"> names the page's chart
// route (a signal's, or an organisation's indicator's): its answer, {"charts": [{"method",
// "title", "description", "spec"}], "charts_as_of", "charts_note"}, is fetched from this site
// after the page has loaded (the content security policy's connect-src 'self' allows it), and
// each chart is drawn into a figure made here. A <div data-chart-spec="ID"> (the overview's
// funnel) has its Vega-Lite specification in the element with that id: a <script
// type="application/json"> data block, which the browser never runs.
//
// vega-embed (loaded before this module from static/vendor/) draws each with Vega's expression
// interpreter, so no expression is compiled with `new Function` and the policy needs no
// 'unsafe-eval'. vega-embed's and the tooltip's own stylesheets would be inline <style>
// elements, which the policy refuses: they are turned off, and the tooltip is placed with style
// properties (allowed) instead.
import { expressionInterpreter } from "/static/vendor/vega-interpreter/vega-interpreter.js";

const OPTIONS = {
  actions: false,
  ast: true,
  expr: expressionInterpreter,
  defaultStyle: false,
  renderer: "svg",
  tooltip: { disableDefaultStyle: true, theme: "light" },
};

// On a page, each chart fills the width of its column (its height stays as drawn).
const FILL = { width: "container", autosize: { type: "fit-x", contains: "padding" } };

function say(element, text) {
  const message = document.createElement("p");
  message.className = "nhsuk-body-s";
  message.textContent = text;
  element.replaceChildren(message);
}

function draw(element, spec) {
  // Vega labels the drawing with the specification's description, in place of the page's text
  // alternative (the findings' sentences): hand it that text. The drawing is one image to a
  // screen reader: Vega's marks, most of them unlabelled, are hidden from it.
  spec.description = element.getAttribute("aria-label") || spec.description;
  return window
    .vegaEmbed(element, spec, OPTIONS)
    .then(() => {
      for (const svg of element.querySelectorAll("svg")) {
        svg.setAttribute("aria-hidden", "true");
      }
    })
    .catch((error) => say(element, `This chart could not be drawn (${error.message}).`));
}

function drawBlock(element) {
  const source = document.getElementById(element.dataset.chartSpec);
  if (source === null) {
    return;
  }
  let spec;
  try {
    spec = JSON.parse(source.textContent);
  } catch (error) {
    say(element, `This chart could not be drawn (${error.message}).`);
    return;
  }
  draw(element, spec);
}

function figure(chart, number) {
  const made = document.createElement("figure");
  made.className = "caresignal-chart nhsuk-u-margin-bottom-6";
  const caption = document.createElement("figcaption");
  caption.className = "nhsuk-u-visually-hidden";
  caption.textContent = chart.title;
  const drawing = document.createElement("div");
  drawing.className = "caresignal-chart__drawing";
  drawing.setAttribute("role", "img");
  drawing.setAttribute("aria-label", chart.description);
  drawing.dataset.chartSpec = `fetched-${number}`;
  made.append(caption, drawing);
  return [made, drawing];
}

async function drawFetched(element) {
  say(element, "Loading the charts…");
  try {
    const answer = await fetch(element.dataset.charts, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) {
      throw new Error(`the server answered ${answer.status}`);
    }
    const found = await answer.json();
    if (found.charts.length === 0) {
      say(element, found.charts_note || "No charts.");
      return;
    }
    const drawings = found.charts.map((chart, index) => figure(chart, index + 1));
    element.replaceChildren(...drawings.map(([made]) => made));
    await Promise.all(
      drawings.map(([, drawing], index) => draw(drawing, { ...found.charts[index].spec, ...FILL })),
    );
  } catch (error) {
    say(element, `The charts could not be loaded (${error.message}).`);
  } finally {
    element.dataset.chartsLoaded = "true";
  }
}

for (const element of document.querySelectorAll("[data-chart-spec]")) {
  drawBlock(element);
}
for (const element of document.querySelectorAll("[data-charts]")) {
  drawFetched(element);
}
