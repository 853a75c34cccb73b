// The polysemy explorer: embeds the sentences through /v1/embed, and for a clicked word shows,
// per layer, the cosine heat map of its occurrences and their 2-D principal-component projection.
"use strict";

const COLOURS = ["#2f6fdb", "#d9534f", "#3a9d5d", "#e69a1e", "#8a4fd0", "#1fa3a3", "#c2477f", "#6b7a90"];
const ENGLISH = "I like to play chess with my brother.\nWe saw a new play at the theatre last night.\n" +
  "The children play football every Sunday.\nThe play was written by Shakespeare.\n" +
  "She deposited the money at the bank.\nThey had a picnic on the river bank.";
const token = new URLSearchParams(location.hash.slice(1)).get("token");
let server = null;   // the /v1/models entry
let embedded = null; // {tokens: [[...]], vectors: [[layer][position] -> Float32Array]}

function headers() {
  const result = { "Content-Type": "application/json" };
  if (token) result.Authorization = "Bearer " + token;
  return result;
}

async function call(method, path, body) {
  const response = await fetch(path, { method, headers: headers(), body: body && JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function decode(result) {
  const bytes = Uint8Array.from(atob(result.vectors), (c) => c.charCodeAt(0));
  const flat = new Float32Array(bytes.buffer);
  const [layers, length, dim] = result.shape;
  return Array.from({ length: layers }, (_, l) =>
    Array.from({ length }, (_, t) => flat.subarray((l * length + t) * dim, (l * length + t + 1) * dim)));
}

function status(message) { document.getElementById("status").textContent = message; }

async function embed() {
  const texts = document.getElementById("texts").value.split("\n").map((s) => s.trim()).filter(Boolean);
  if (!texts.length) { status("type at least one sentence"); return; }
  status("embedding…");
  try {
    const answer = await call("POST", "/v1/embed", { texts, output: "all", encoding: "base64" });
    embedded = { tokens: answer.results.map((r) => r.tokens), vectors: answer.results.map(decode) };
    status("");
    drawSentences();
  } catch (error) { status(error.message); }
}

function drawSentences() {
  const section = document.getElementById("sentences");
  section.replaceChildren();
  embedded.tokens.forEach((tokens, s) => {
    const line = document.createElement("div");
    line.className = "sentence";
    const index = document.createElement("span");
    index.className = "index";
    index.style.background = COLOURS[s % COLOURS.length];
    index.textContent = s + 1;
    line.append(index);
    tokens.forEach((word, t) => {
      const span = document.createElement("span");
      span.className = "token";
      span.textContent = word;
      span.dataset.sentence = s;
      span.dataset.position = t;
      span.addEventListener("click", () => choose(word, s, t));
      line.append(span);
    });
    section.append(line);
  });
  document.getElementById("word").hidden = true;
}

function occurrencesOf(word) {
  const found = [];
  embedded.tokens.forEach((tokens, s) => tokens.forEach((w, t) => { if (w === word) found.push([s, t]); }));
  return found;
}

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.max(Math.sqrt(na * nb), 1e-12);
}

// The first two principal components of the rows (n small): eigenvectors of the centred Gram
// matrix by power iteration with deflation; coordinates are eigenvector * sqrt(eigenvalue).
function project(rows) {
  const n = rows.length, dim = rows[0].length;
  const mean = new Float64Array(dim);
  rows.forEach((r) => r.forEach((v, i) => { mean[i] += v / n; }));
  const centred = rows.map((r) => Array.from(r, (v, i) => v - mean[i]));
  const gram = centred.map((a) => centred.map((b) => a.reduce((sum, v, i) => sum + v * b[i], 0)));
  const coordinates = rows.map(() => [0, 0]);
  for (let component = 0; component < 2; component++) {
    let vector = Array.from({ length: n }, (_, i) => Math.cos(i + component + 1));
    let value = 0;
    for (let step = 0; step < 200; step++) {
      const next = gram.map((row) => row.reduce((sum, g, j) => sum + g * vector[j], 0));
      value = Math.sqrt(next.reduce((sum, v) => sum + v * v, 0));
      if (value < 1e-12) break;
      vector = next.map((v) => v / value);
    }
    vector.forEach((v, i) => { coordinates[i][component] = v * Math.sqrt(Math.max(value, 0)); });
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i][j] -= value * vector[i] * vector[j];
  }
  return coordinates;
}

function heatColour(value) {
  const t = Math.max(0, Math.min(1, (value + 1) / 2)) ** 2;
  return `rgb(${Math.round(255 - 208 * t)}, ${Math.round(255 - 144 * t)}, ${Math.round(255 - 36 * t)})`;
}

function heatTable(vectors, occurrences) {
  const table = document.createElement("table");
  table.className = "heat";
  const head = table.insertRow();
  head.append(document.createElement("th"));
  occurrences.forEach(([s]) => { const th = document.createElement("th"); th.textContent = s + 1; head.append(th); });
  vectors.forEach((a, i) => {
    const row = table.insertRow();
    const th = document.createElement("th");
    th.textContent = occurrences[i][0] + 1;
    row.append(th);
    vectors.forEach((b) => {
      const value = cosine(a, b);
      const cell = row.insertCell();
      cell.textContent = value.toFixed(2);
      cell.style.background = heatColour(value);
      if (value > 0.75) cell.style.color = "#fff";
    });
  });
  return table;
}

function scatter(vectors, occurrences) {
  const size = 220, pad = 18, svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("role", "img");
  const points = vectors.length > 1 ? project(vectors) : [[0, 0]];
  const span = (k) => { const v = points.map((p) => p[k]); return [Math.min(...v), Math.max(...v)]; };
  const [xs, ys] = [span(0), span(1)];
  const scale = (v, [lo, hi]) => pad + (hi - lo < 1e-9 ? 0.5 : (v - lo) / (hi - lo)) * (size - 2 * pad);
  const frame = document.createElementNS(svgNS, "rect");
  Object.entries({ x: 0.5, y: 0.5, width: size - 1, height: size - 1, fill: "#fbfcfe", stroke: "#dde1e8" })
    .forEach(([k, v]) => frame.setAttribute(k, v));
  svg.append(frame);
  points.forEach(([x, y], i) => {
    const dot = document.createElementNS(svgNS, "circle");
    const s = occurrences[i][0];
    Object.entries({ cx: scale(x, xs), cy: size - scale(y, ys), r: 7, fill: COLOURS[s % COLOURS.length],
      "fill-opacity": 0.8, stroke: "#fff" }).forEach(([k, v]) => dot.setAttribute(k, v));
    const title = document.createElementNS(svgNS, "title");
    title.textContent = `sentence ${s + 1}: ${embedded.tokens[s].join(" ")}`;
    dot.append(title);
    svg.append(dot);
    const label = document.createElementNS(svgNS, "text");
    Object.entries({ x: scale(x, xs) + 9, y: size - scale(y, ys) + 4, "font-size": 11 })
      .forEach(([k, v]) => label.setAttribute(k, v));
    label.textContent = s + 1;
    svg.append(label);
  });
  return svg;
}

function choose(word, sentence, position) {
  document.querySelectorAll(".token").forEach((span) => {
    span.classList.toggle("chosen", span.textContent === word);
  });
  const occurrences = occurrencesOf(word);
  document.getElementById("word-name").textContent = `“${word}” (${occurrences.length})`;
  const layers = document.getElementById("layers");
  layers.replaceChildren();
  embedded.vectors[0].forEach((_, layer) => {
    const vectors = occurrences.map(([s, t]) => embedded.vectors[s][layer][t]);
    const box = document.createElement("div");
    box.className = "layer";
    const title = document.createElement("h3");
    title.textContent = layer === 0 ? "layer 0 (context-free)" : `layer ${layer}`;
    box.append(title, heatTable(vectors, occurrences), scatter(vectors, occurrences));
    layers.append(box);
  });
  document.getElementById("word").hidden = false;
  if (server && server.index) neighbours(embedded.tokens[sentence], word);
}

function highlighted(tokens, position) {
  const item = document.createElement("li");
  tokens.forEach((word, t) => {
    const piece = t === position ? document.createElement("mark") : document.createTextNode("");
    piece.textContent = word;
    item.append(piece, document.createTextNode(" "));
  });
  return item;
}

async function neighbours(tokens, word) {
  const box = document.getElementById("neighbours");
  try {
    const answer = await call("POST", "/v1/neighbours", { sentence: tokens, word, k: 8 });
    document.getElementById("index-layer").textContent = answer.layer;
    const contextual = document.getElementById("contextual");
    contextual.replaceChildren(...answer.occurrences.map((n) => {
      const item = highlighted(n.tokens, n.position);
      item.prepend(document.createTextNode(`${n.score.toFixed(3)}  `));
      return item;
    }));
    const list = document.getElementById("static");
    list.replaceChildren(...answer.words.map((w) => {
      const item = document.createElement("li");
      item.textContent = `${w.word}  ${w.score.toFixed(3)}`;
      return item;
    }));
    box.hidden = false;
  } catch (error) {
    box.hidden = true;
    status(error.message);
  }
}

async function start() {
  document.getElementById("embed").addEventListener("click", embed);
  document.getElementById("english").addEventListener("click", () => {
    document.getElementById("texts").value = ENGLISH;
    embed();
  });
  try {
    server = (await call("GET", "/v1/models")).models[0];
    document.getElementById("model").textContent =
      `${server.name}: ${server.layers} layers of ${server.dim}, tokenizer ${server.tokenizer}` +
      (server.index ? ", with a corpus index" : "");
    await embed();
  } catch (error) {
    document.getElementById("model").textContent = "cannot reach the server: " + error.message;
  }
}

start();
