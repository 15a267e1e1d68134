// The settings Mini App: fills the form from /webapp/api/settings and saves it back.
// Every request carries Telegram's initData (Authorization: tma ...), read from
// Telegram.WebApp when its script loaded, else from the URL fragment Telegram opens
// the page with (#tgWebAppData=...). Without genuine initData the API answers 401
// and the page says to open it from Telegram.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const telegram = () => (window.Telegram && window.Telegram.WebApp) || null;
  const API = "api/settings";
  const MAX_ZONES_SHOWN = 40;

  let view = null; // the API's answer: chats, topics, zones, labels
  let chatId = null; // the chat the form shows
  let form = null; // that chat's settings as being edited

  function initData() {
    const app = telegram();
    return (app && app.initData) || fragment.get("tgWebAppData") || "";
  }

  function themeParams() {
    const app = telegram();
    if (app && app.themeParams && Object.keys(app.themeParams).length) return app.themeParams;
    try {
      const params = JSON.parse(fragment.get("tgWebAppThemeParams") || "{}");
      return params && typeof params === "object" ? params : {};
    } catch (_) {
      return {};
    }
  }

  function isDark(hex) {
    const value = hex.replace("#", "");
    const full = value.length === 3 ? [...value].map((c) => c + c).join("") : value.slice(0, 6);
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
    return 0.299 * r + 0.587 * g + 0.114 * b < 128;
  }

  function applyTheme() {
    const root = document.documentElement;
    const params = themeParams();
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === "string" && /^#[0-9a-f]{3,8}$/i.test(value)) {
        root.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
      }
    }
    const app = telegram();
    let scheme = app && app.colorScheme;
    if (!scheme && typeof params.bg_color === "string") {
      scheme = isDark(params.bg_color) ? "dark" : "light";
    }
    if (!scheme) {
      scheme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    root.dataset.scheme = scheme;
  }

  function label(key) {
    return (view && view.labels && view.labels[key]) || "";
  }

  function applyLabels() {
    document.documentElement.lang = view.language;
    for (const element of document.querySelectorAll("[data-label]")) {
      const text = label(element.dataset.label);
      if (text) element.textContent = text;
    }
    for (const element of document.querySelectorAll("[data-placeholder]")) {
      const text = label(element.dataset.placeholder);
      if (text) element.placeholder = text;
    }
    document.title = label("title") || document.title;
  }

  function showOutside() {
    $("loading").hidden = true;
    $("form").hidden = true;
    $("outside").hidden = false;
  }

  function setStatus(text, error = false) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", error);
  }

  async function call(method, body) {
    const response = await fetch(API, {
      method,
      headers: { Authorization: `tma ${initData()}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch (_) {
      answer = {};
    }
    return { status: response.status, answer };
  }

  function chat() {
    return view.chats.find((c) => c.chat_id === chatId);
  }

  // -- drawing the form -------------------------------------------------------------------

  function element(tag, props = {}, ...children) {
    const made = document.createElement(tag);
    Object.assign(made, props);
    for (const child of children) made.append(child);
    return made;
  }

  function drawChats() {
    const nav = $("chats");
    nav.replaceChildren();
    nav.hidden = view.chats.length < 2;
    for (const c of view.chats) {
      const button = element("button", { type: "button", textContent: c.title });
      if (c.kind === "channel") button.textContent = `📣 ${c.title}`;
      button.setAttribute("aria-pressed", String(c.chat_id === chatId));
      button.addEventListener("click", () => {
        chatId = c.chat_id;
        draw();
      });
      nav.append(button);
    }
  }

  function drawTopics() {
    const box = $("topics");
    box.replaceChildren();
    for (const topic of view.topics) {
      const input = element("input", { type: "checkbox", checked: form.topics.includes(topic.slug) });
      input.dataset.slug = topic.slug;
      input.addEventListener("change", () => {
        form.topics = input.checked
          ? [...form.topics, topic.slug]
          : form.topics.filter((slug) => slug !== topic.slug);
      });
      const row = element("label", { className: "toggle" }, input, element("span", { textContent: topic.name }));
      box.append(row);
    }
  }

  function drawKeywords() {
    const list = $("keywords");
    list.replaceChildren();
    for (const word of form.keywords) {
      const remove = element("button", { type: "button", textContent: "×", title: label("remove") });
      remove.setAttribute("aria-label", `${label("remove") || "Remove"} ${word}`);
      remove.addEventListener("click", () => {
        form.keywords = form.keywords.filter((k) => k !== word);
        drawKeywords();
      });
      list.append(element("li", {}, element("span", { textContent: word }), remove));
    }
    $("keyword-count").textContent = `${form.keywords.length} / ${view.limits.keywords}`;
  }

  function addKeyword() {
    const input = $("keyword");
    const word = input.value.trim().replace(/\s+/g, " ").toLowerCase();
    if (word && !form.keywords.includes(word)) form.keywords = [...form.keywords, word];
    input.value = "";
    drawKeywords();
  }

  function drawSources() {
    const list = $("sources");
    list.replaceChildren();
    form.sources.forEach((name, i) => {
      const up = element("button", { type: "button", textContent: "↑", title: label("up") });
      up.setAttribute("aria-label", `${label("up") || "Up"} ${name}`);
      up.disabled = i === 0;
      up.addEventListener("click", () => {
        const moved = [...form.sources];
        [moved[i - 1], moved[i]] = [moved[i], moved[i - 1]];
        form.sources = moved;
        drawSources();
      });
      const remove = element("button", { type: "button", textContent: "×", title: label("remove") });
      remove.setAttribute("aria-label", `${label("remove") || "Remove"} ${name}`);
      remove.addEventListener("click", () => {
        form.sources = form.sources.filter((s) => s !== name);
        drawSources();
      });
      list.append(element("li", {}, element("span", { textContent: `${i + 1}. ${name}` }), up, remove));
    });
    const left = view.sources.filter((name) => !form.sources.includes(name));
    $("source-choice").replaceChildren(...left.map((name) => element("option", { value: name, textContent: name })));
    const full = form.sources.length >= view.limits.sources;
    $("source-choice").disabled = !left.length || full;
    $("add-source").disabled = !left.length || full;
  }

  function addSource() {
    const name = $("source-choice").value;
    if (name && !form.sources.includes(name)) form.sources = [...form.sources, name];
    drawSources();
  }

  function zoneKey(name) {
    return name.toLowerCase().replace(/_/g, " ");
  }

  function drawZones() {
    $("zone-current").textContent = form.timezone;
    const device = deviceZone();
    const offer = $("device-zone");
    offer.hidden = !device || device === form.timezone;
    if (device) offer.textContent = (label("device_zone") || "Use {zone} (this device)").replace("{zone}", device);
    const wanted = zoneKey($("zone-search").value.trim());
    const list = $("zones");
    list.replaceChildren();
    if (!wanted) return;
    const aliased = Object.entries(view.zone_aliases || {})
      .filter(([alias]) => alias.includes(wanted))
      .map(([, zone]) => zone);
    const named = view.zones.filter((zone) => zoneKey(zone).includes(wanted));
    const found = [...new Set([...named, ...aliased])].slice(0, MAX_ZONES_SHOWN);
    for (const zone of found) {
      const item = element("li", { textContent: zone });
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(zone === form.timezone));
      item.addEventListener("click", () => chooseZone(zone));
      list.append(item);
    }
  }

  function chooseZone(zone) {
    form.timezone = zone;
    $("zone-search").value = "";
    drawZones();
  }

  function deviceZone() {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      if (view.zones.includes(zone)) return zone;
      return (view.zone_aliases || {})[zone.toLowerCase()] || null;
    } catch (_) {
      return null;
    }
  }

  function drawModes() {
    const box = $("modes");
    box.replaceChildren();
    const modes = label("modes") || {};
    for (const [value, mode] of Object.entries(modes)) {
      const button = element("button", { type: "button", textContent: mode.name });
      button.setAttribute("role", "radio");
      button.setAttribute("aria-checked", String(form.mode === value));
      button.addEventListener("click", () => {
        form.mode = value;
        drawModes();
      });
      box.append(button);
    }
    $("mode-hint").textContent = (modes[form.mode] || {}).hint || "";
  }

  function drawQuiet() {
    const hours = form.quiet_hours;
    const choice = hours === "default" || hours === "off" ? hours : "custom";
    $("quiet-choice").value = choice;
    $("quiet-range").hidden = choice !== "custom";
    if (choice === "custom") {
      const [start, end] = hours.split("-");
      $("quiet-start").value = start;
      $("quiet-end").value = end;
    }
  }

  function draw() {
    const current = chat();
    form = structuredClone(current.settings);
    const channel = current.kind === "channel";
    drawChats();
    $("stopped").hidden = current.active;
    drawTopics();
    drawKeywords();
    drawSources();
    $("digest-time").value = form.digest_time;
    $("zone-search").value = "";
    drawZones();
    $("delivery").hidden = channel;
    $("channel-only").hidden = !channel;
    if (!channel) {
      drawModes();
      drawQuiet();
    } else {
      $("cap").value = String(form.cap);
      $("cap").max = String(view.limits.cap);
    }
    const language = $("language");
    language.replaceChildren(...view.languages.map((l) => element("option", { value: l.code, textContent: l.name })));
    language.value = form.language;
    setStatus("");
  }

  function collect() {
    const settings = {
      topics: form.topics,
      keywords: form.keywords,
      sources: form.sources,
      digest_time: $("digest-time").value,
      timezone: form.timezone,
      language: $("language").value,
    };
    if (chat().kind === "channel") {
      settings.cap = Number.parseInt($("cap").value, 10);
    } else {
      settings.mode = form.mode;
      const choice = $("quiet-choice").value;
      settings.quiet_hours = choice === "custom" ? `${$("quiet-start").value}-${$("quiet-end").value}` : choice;
    }
    return settings;
  }

  async function save(event) {
    event.preventDefault();
    const button = $("save");
    button.disabled = true;
    setStatus(label("saving"));
    try {
      const { status, answer } = await call("POST", { chat_id: chatId, settings: collect() });
      if (status === 401) return showOutside();
      if (status !== 200) return setStatus(answer.error || label("failed"), true);
      view = answer;
      applyLabels();
      draw();
      setStatus(label("saved"));
      const app = telegram();
      if (app && app.HapticFeedback) app.HapticFeedback.notificationOccurred("success");
    } catch (_) {
      setStatus(label("failed") || "Could not reach the bot; try again.", true);
    } finally {
      button.disabled = false;
    }
  }

  function wire() {
    $("form").addEventListener("submit", save);
    $("add-keyword").addEventListener("click", addKeyword);
    $("add-source").addEventListener("click", addSource);
    $("keyword").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addKeyword();
      }
    });
    $("zone-search").addEventListener("input", drawZones);
    $("zone-search").addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = $("zones").querySelector("li");
      if (first) chooseZone(first.textContent);
    });
    $("device-zone").addEventListener("click", () => chooseZone(deviceZone()));
    $("quiet-choice").addEventListener("change", () => {
      const choice = $("quiet-choice").value;
      form.quiet_hours = choice === "custom" ? "23:00-07:00" : choice;
      drawQuiet();
    });
  }

  function hookTelegram() {
    const app = telegram();
    if (!app || app.__briefbot) return;
    app.__briefbot = true;
    app.ready();
    app.expand();
    app.onEvent("themeChanged", applyTheme);
    applyTheme();
  }

  async function start() {
    applyTheme();
    hookTelegram();
    window.addEventListener("load", hookTelegram);
    if (!initData()) return showOutside();
    wire();
    let reply;
    try {
      reply = await call("GET");
    } catch (_) {
      $("loading").textContent = "Could not reach the bot; try again.";
      return;
    }
    if (reply.status !== 200) return showOutside();
    view = reply.answer;
    chatId = view.chats[0].chat_id;
    applyLabels();
    draw();
    $("loading").hidden = true;
    $("form").hidden = false;
  }

  start();
})();
