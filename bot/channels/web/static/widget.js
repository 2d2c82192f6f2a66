/* Web chat widget of the customer-service bot: one <script> tag, no build step, no dependencies.
 *
 *   <script src="https://bot.example.com/widget.js" data-widget-id="widget_123" async></script>
 *
 * Optional attributes: data-user-id, data-user-hash, data-lang (zh|en), data-mode (launcher|page).
 * Wire protocol: POST {base}/api/widget/session, then WebSocket {base}/ws/chat?token=...
 * Everything renders inside an open shadow root; every server-provided string goes in as text.
 */
(function () {
  "use strict";

  if (window.CsBotWidget && window.CsBotWidget.version) return; // the snippet was pasted twice

  // ---------------------------------------------------------------- configuration
  var script = document.currentScript;
  if (!script || !/\/widget\.js(\?|#|$)/.test(script.src || "")) {
    var all = document.querySelectorAll("script[src]");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script) { console.warn("[cs-bot] widget.js: cannot find its own <script> tag"); return; }

  var src = new URL(script.src, location.href);
  var BASE = src.origin + src.pathname.replace(/\/widget\.js$/, "");
  var WS_BASE = BASE.replace(/^http/, "ws");
  var attr = function (name) { var v = script.getAttribute(name); return v == null ? "" : v.trim(); };
  var MODE = attr("data-mode") === "page" ? "page" : "launcher";
  var query = new URLSearchParams(location.search);
  // The standalone page (/chat?widget_id=W&lang=zh) passes its settings in its own address.
  var WIDGET_ID = attr("data-widget-id") || (MODE === "page" ? (query.get("widget_id") || "").trim() : "");
  var USER_ID = attr("data-user-id");
  var USER_HASH = attr("data-user-hash");
  var LANG_ATTR = (attr("data-lang") || (MODE === "page" ? query.get("lang") || "" : "")).toLowerCase();

  var TOKEN_KEY = "cs_bot_token:" + WIDGET_ID;
  var OPEN_KEY = "cs_bot_open:" + WIDGET_ID;
  var READ_KEY = "cs_bot_read:" + WIDGET_ID;

  var PING_EVERY = 25000, SILENCE_LIMIT = 60000, TYPING_EVERY = 2000, TYPING_SHOWN = 3000;
  var BACKOFF_MIN = 500, BACKOFF_MAX = 10000, RESEND_AFTER = 10000, MAX_TRIES = 4;
  var MAX_TEXT = 2000, MAX_FRAME_BYTES = 8000;

  // ---------------------------------------------------------------- texts
  var TEXTS = {
    zh: {
      title: "在线客服", open: "打开在线客服", close: "关闭", panel: "在线客服对话",
      connecting: "正在连接…", online: "在线", reconnecting: "连接中断，正在重连…",
      noAgents: "暂无人工客服在线", queued: "正在为您转接人工客服…", serving: "{name} 为您服务",
      unavailable: "暂不可用", placeholder: "请输入您的问题…", send: "发送", input: "输入消息",
      typingAgent: "客服正在输入…", typing: "正在输入…", agent: "客服",
      rate: "请为本次服务打分", star: "{n} 星", thanks: "感谢您的评价！",
      leave: "留言", leaveBar: "人工客服暂时不在，可以先给我们留言", leaveHint: "暂无客服在线，您可以留言，我们会尽快联系您。",
      leaveText: "留言内容", leaveContact: "联系方式（手机或邮箱，选填）", leaveSubmit: "提交留言",
      leaveCancel: "取消", leaveSent: "留言已提交，我们会尽快联系您。", leaveEmpty: "请填写留言内容。",
      refused: "此网站未被允许使用该在线客服组件。", badWidget: "在线客服组件配置有误，暂时无法使用。",
      noWidget: "缺少 widget_id，无法打开在线客服。", tooLong: "消息太长，请分几条发送。",
      rateLimited: "发送太频繁，请稍后再试。", failed: "发送失败，点击重试", retry: "重新发送",
      error: "出现问题，请稍后再试。", suggestions: "快捷回复"
    },
    en: {
      title: "Support", open: "Open the support chat", close: "Close", panel: "Support chat",
      connecting: "Connecting…", online: "Online", reconnecting: "Connection lost, reconnecting…",
      noAgents: "No agents online", queued: "Connecting you to an agent…", serving: "{name} is helping you",
      unavailable: "Unavailable", placeholder: "Type your question…", send: "Send", input: "Message",
      typingAgent: "Agent is typing…", typing: "Typing…", agent: "Agent",
      rate: "How did we do?", star: "{n} star(s)", thanks: "Thank you for your rating!",
      leave: "Leave a message", leaveBar: "Our agents are away right now", leaveHint: "No agents are online. Leave a message and we will get back to you.",
      leaveText: "Your message", leaveContact: "Phone or e-mail (optional)", leaveSubmit: "Send message",
      leaveCancel: "Cancel", leaveSent: "Message received, we will get back to you soon.",
      leaveEmpty: "Please write a message.",
      refused: "This website is not allowed to use this chat widget.",
      badWidget: "This chat widget is not configured correctly.",
      noWidget: "No widget_id given, the chat cannot start.", tooLong: "That message is too long, please split it.",
      rateLimited: "You are sending too fast, please wait a moment.", failed: "Not sent, tap to retry",
      retry: "Retry", error: "Something went wrong, please try again.", suggestions: "Suggestions"
    }
  };
  var detected = (navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var lang = TEXTS[LANG_ATTR] ? LANG_ATTR : detected;
  function t(key, vars) {
    var s = TEXTS[lang][key] || TEXTS.en[key] || key;
    if (vars) Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }

  // ---------------------------------------------------------------- small helpers
  var memoryStore = {};
  var store = {
    get: function (area, k) { try { return window[area].getItem(k); } catch (e) { return memoryStore[area + k] || null; } },
    set: function (area, k, v) { try { window[area].setItem(k, v); } catch (e) { memoryStore[area + k] = v; } },
    del: function (area, k) { try { window[area].removeItem(k); } catch (e) { /* storage disabled */ } delete memoryStore[area + k]; }
  };

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v == null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.indexOf("on") === 0) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function clientId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "c_" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function byteLength(s) { return new TextEncoder().encode(s).length; }

  // Text with http(s) links made clickable; links are built as elements, never parsed as HTML.
  function richText(node, text) {
    var re = /\bhttps?:\/\/[^\s<>"'，。！？）)】]+/g, last = 0, m;
    text = String(text == null ? "" : text);
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,;:!?]+$/, ""); // a full stop after a link is not part of it
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      node.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", text: url }));
      last = m.index + url.length;
      re.lastIndex = last;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }

  var ICONS = {
    chat: "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM7 9h10v2H7zm0-3h10v2H7zm0 6h7v2H7z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
    agent: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z"
  };
  function icon(name, cls) {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon " + (cls || ""));
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function clockTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) return "";
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // Dark or light text on the brand colour, whichever reads better.
  function textOn(color) {
    var probe = document.createElement("span");
    probe.style.color = color;
    shadow.appendChild(probe);
    var rgb = (getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || []).map(Number);
    probe.remove();
    if (rgb.length < 3) return "#fff";
    var lum = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255;
    return lum > 0.62 ? "#1f2329" : "#fff";
  }

  // ---------------------------------------------------------------- DOM
  var FALLBACK_CSS =
    ":host{all:initial}[hidden]{display:none!important}" +
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:var(--cs-color,#1677ff);color:#fff;font:24px/56px sans-serif;cursor:pointer;z-index:2147483000}" +
    ".root{font:14px/1.5 sans-serif;color:#1f2329}.icon{width:24px;height:24px;vertical-align:middle}" +
    ".icon-close,.is-open .icon-chat{display:none}.is-open .icon-close{display:inline}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:360px;height:520px;background:#fff;display:flex;" +
    "flex-direction:column;z-index:2147483000;border:1px solid #ccc}" +
    ".messages{flex:1;overflow:auto}:host(.cs-page) .panel{inset:0;width:auto;height:auto;border:0}";

  // A custom element name, so the host page's `div {...}` rules do not match the widget's host.
  var host = el("cs-bot-widget", { id: "cs-bot-widget", class: MODE === "page" ? "cs-page" : null });
  // A transform/filter/contain on the host would trap the fixed launcher and panel inside it.
  ["transform", "filter", "contain", "perspective"].forEach(function (p) { host.style.setProperty(p, "none", "important"); });
  var shadow = host.attachShadow({ mode: "open" });
  var root = el("div", { class: "root" + (MODE === "page" ? " page" : "") });

  var statusEl = el("div", { class: "status", "data-testid": "bot-status", role: "status", text: t("connecting") });
  var titleEl = el("div", { class: "title", text: t("title") });
  var closeBtn = MODE === "page" ? null : el("button", {
    type: "button", class: "icon-btn close", "aria-label": t("close"), title: t("close"),
    onclick: function () { api.close(); }
  }, [icon("close")]);
  var noticeEl = el("div", { class: "notice", "data-testid": "bot-notice", role: "alert", hidden: true });
  var messagesEl = el("div", {
    class: "messages", "data-testid": "bot-messages", role: "log", "aria-live": "polite", "aria-label": t("panel")
  });
  var typingEl = el("div", { class: "typing", "data-testid": "bot-typing", "aria-live": "polite", hidden: true });
  var leaveBtn = el("button", {
    type: "button", class: "leave-btn", "data-testid": "bot-leave-message", "aria-label": t("leave"), text: t("leave"),
    onclick: function () { toggleLeaveForm(true); }
  });
  var leaveBar = el("div", { class: "leave-bar", hidden: true }, [el("span", { text: t("leaveBar") }), leaveBtn]);
  var leaveText = el("textarea", {
    class: "leave-text", "data-testid": "bot-leave-text", rows: 3, maxlength: MAX_TEXT,
    "aria-label": t("leaveText"), placeholder: t("leaveText")
  });
  var leaveContact = el("input", {
    class: "leave-contact", "data-testid": "bot-leave-contact", type: "text", maxlength: 100, autocomplete: "email",
    "aria-label": t("leaveContact"), placeholder: t("leaveContact")
  });
  var leaveForm = el("form", { class: "leave-form", hidden: true, "aria-label": t("leave"), novalidate: true }, [
    el("p", { class: "leave-hint", text: t("leaveHint") }), leaveText, leaveContact,
    el("div", { class: "leave-actions" }, [
      el("button", { type: "button", class: "btn-secondary", text: t("leaveCancel"),
        onclick: function () { toggleLeaveForm(false); } }),
      el("button", { type: "submit", class: "btn-primary", "data-testid": "bot-leave-submit", text: t("leaveSubmit") })
    ])
  ]);
  var input = el("textarea", {
    class: "input", "data-testid": "bot-input", rows: 1, maxlength: MAX_TEXT,
    placeholder: t("placeholder"), "aria-label": t("input"), enterkeyhint: "send"
  });
  var sendBtn = el("button", { type: "submit", class: "send", "data-testid": "bot-send", "aria-label": t("send"), text: t("send") });
  var composer = el("form", { class: "composer", novalidate: true }, [input, sendBtn]);

  var panel = el("section", {
    class: "panel", "data-testid": "bot-panel", role: MODE === "page" ? "main" : "dialog",
    "aria-label": t("panel"), hidden: MODE === "page" ? null : true
  }, [
    el("header", { class: "header" }, [
      el("div", { class: "avatar", "aria-hidden": "true" }, [icon("agent")]),
      el("div", { class: "heading" }, [titleEl, statusEl]),
      closeBtn
    ]),
    noticeEl, messagesEl, typingEl, leaveBar, leaveForm, composer
  ]);
  var badge = el("span", { class: "badge", "aria-hidden": "true", hidden: true });
  var launcher = MODE === "page" ? null : el("button", {
    type: "button", class: "launcher", "data-testid": "bot-launcher", "aria-label": t("open"),
    "aria-expanded": "false", title: t("title"), onclick: function () { api.toggle(); }
  }, [icon("chat", "icon-chat"), icon("close", "icon-close"), badge]);

  shadow.appendChild(el("style", { text: FALLBACK_CSS }));
  shadow.appendChild(el("link", { rel: "stylesheet", href: BASE + "/widget.css" }));
  root.appendChild(panel);
  if (launcher) root.appendChild(launcher);
  shadow.appendChild(root);

  // ---------------------------------------------------------------- state
  var token = null, customerId = null;
  var widget = null, agentsOnline = true, convState = null, agentName = "";
  var ws = null, gen = 0, link = "idle"; // idle | connecting | open | waiting | stopped
  var everOpen = false, attempts = 0, failuresSinceSession = 0, reconnectTimer = null, tickTimer = null;
  var lastRx = 0, lastPing = 0, lastTyping = 0, typingTimer = null, pingTimer = null;
  var lastSeq = 0, seen = {}, byId = {};         // seq -> element, message id -> element
  var pending = [];                               // [{id, frame, el, sentAt, tries}] waiting for the echo
  var outbox = [];                                // frames without an echo (rating, leave_message)
  var greetingShown = false, greetingTimer = null, ratingEl = null, rated = false, started = false;
  var readSeq = Number(store.get("localStorage", READ_KEY) || 0), unread = 0;
  var isOpen = MODE === "page";

  function setStatus() {
    var s;
    if (link === "stopped") s = t("unavailable");
    else if (link !== "open") s = everOpen ? t("reconnecting") : t("connecting");
    else if (convState === "agent" && agentName) s = t("serving", { name: agentName });
    else if (convState === "queued") s = t("queued");
    else if (!agentsOnline) s = t("noAgents");
    else s = t("online");
    statusEl.textContent = s;
    root.setAttribute("data-link", link);
    // An agent who is serving this visitor is there, whatever the others' status says.
    var served = convState === "agent";
    leaveBar.hidden = agentsOnline || served || link === "stopped" || !widget;
    if (agentsOnline || served) toggleLeaveForm(false);
  }

  var noticeTimer = null;
  function notice(text, sticky) {
    clearTimeout(noticeTimer);
    noticeEl.textContent = text;
    noticeEl.hidden = false;
    if (!sticky) noticeTimer = setTimeout(function () { noticeEl.hidden = true; }, 6000);
  }

  function stop(text, detail) {
    link = "stopped";
    gen++;
    clearTimeout(reconnectTimer); clearInterval(tickTimer); clearInterval(pingTimer);
    if (ws) try { ws.close(1000); } catch (e) { /* already closed */ }
    ws = null;
    input.disabled = sendBtn.disabled = true;
    notice(text, true);
    if (detail) console.warn("[cs-bot] " + detail);
    setStatus();
  }

  // ---------------------------------------------------------------- rendering
  function nearBottom() { return messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 80; }
  function scrollDown(force) {
    if (force || nearBottom()) requestAnimationFrame(function () { messagesEl.scrollTop = messagesEl.scrollHeight; });
  }

  function messageEl(m) {
    var role = ["customer", "bot", "agent", "system"].indexOf(m.role) >= 0 ? m.role : "system";
    var node = el("div", {
      class: "msg msg-" + role, "data-testid": "bot-message", "data-role": role,
      "data-id": m.id || null, "data-seq": m.seq != null ? m.seq : null, "data-time": clockTime(m.at),
      title: m.at && !isNaN(new Date(m.at)) ? new Date(m.at).toLocaleString() : null
    });
    if (role === "agent") {
      node.appendChild(el("div", { class: "msg-name", text: (m.agent && m.agent.name) || t("agent") }));
    }
    var bubble = el("div", { class: "bubble" });
    richText(bubble, m.text);
    node.appendChild(bubble);
    if (Array.isArray(m.buttons) && m.buttons.length && role !== "customer") {
      var row = el("div", { class: "suggestions", role: "group", "aria-label": t("suggestions") });
      m.buttons.slice(0, 12).forEach(function (b) {
        if (!b || (b.label == null && b.value == null)) return;
        var label = String(b.label != null ? b.label : b.value);
        var value = String(b.value != null ? b.value : b.label);
        row.appendChild(el("button", {
          type: "button", class: "suggestion", "data-testid": "bot-suggestion", text: label,
          onclick: function (ev) { tapButton(ev.currentTarget, row, value, label); }
        }));
      });
      node.appendChild(row);
    }
    return node;
  }

  // Only the newest bot/agent message keeps live suggestion buttons.
  function refreshSuggestions() {
    var msgs = messagesEl.querySelectorAll('.msg[data-role="bot"], .msg[data-role="agent"]');
    var latest = msgs.length ? msgs[msgs.length - 1] : null;
    messagesEl.querySelectorAll(".suggestions").forEach(function (row) {
      var live = row.parentNode === latest && !row.hasAttribute("data-used");
      row.classList.toggle("inactive", !live);
      row.querySelectorAll("button").forEach(function (b) { b.disabled = !live; });
    });
  }

  // Server messages sit in seq order, above pending bubbles and local widgets (stars).
  function place(node, seq) {
    var kids = messagesEl.children;
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i], ks = k.getAttribute("data-seq");
      if ((ks != null && Number(ks) > seq) || k.hasAttribute("data-pending") || k.hasAttribute("data-tail")) {
        messagesEl.insertBefore(node, k);
        return;
      }
    }
    messagesEl.appendChild(node);
  }

  function onMessage(m) {
    var seq = Number(m.seq);
    if (!isFinite(seq)) seq = null;
    var waiting = m.role === "customer" && m.id ? findPending(m.id) : -1;
    if (waiting < 0 && seq != null && seen[seq]) return; // already shown (history replay, other tab, resend)
    if (waiting < 0 && m.id && byId[m.id] && m.role === "customer") {
      if (seq != null) { seen[seq] = byId[m.id]; lastSeq = Math.max(lastSeq, seq); }
      return;
    }
    var node;
    if (waiting >= 0) { // our own message came back: the pending bubble becomes a sent one
      node = pending[waiting].el;
      pending.splice(waiting, 1);
      node.removeAttribute("data-pending");
      node.removeAttribute("data-failed");
      node.classList.remove("pending", "failed");
      if (seq != null) node.setAttribute("data-seq", seq);
      node.setAttribute("data-time", clockTime(m.at));
      var stale = node.querySelector(".retry");
      if (stale) stale.remove();
      var bubble = node.querySelector(".bubble");
      if (typeof m.text === "string" && m.text !== bubble.textContent) { bubble.textContent = ""; richText(bubble, m.text); }
      if (seq != null) { node.remove(); place(node, seq); }
    } else {
      node = messageEl(m);
      if (seq != null) place(node, seq); else messagesEl.insertBefore(node, firstTail());
      if (m.role === "agent") {
        hideTyping();
        if (convState === "agent" && m.agent && m.agent.name && !agentName) { agentName = String(m.agent.name); setStatus(); }
      }
      if (m.role !== "customer" && seq != null && seq > readSeq) {
        if (isOpen) markRead(seq); else { unread++; showBadge(); }
      }
    }
    if (seq != null) { seen[seq] = node; lastSeq = Math.max(lastSeq, seq); }
    if (m.id) byId[m.id] = node;
    refreshSuggestions();
    scrollDown(m.role === "customer");
  }

  function firstTail() {
    return messagesEl.querySelector("[data-pending], [data-tail]");
  }

  function findPending(id) {
    for (var i = 0; i < pending.length; i++) if (pending[i].id === id) return i;
    return -1;
  }

  function showGreeting() {
    if (greetingShown || !widget || !widget.greeting) return;
    if (messagesEl.querySelector('.msg[data-seq]')) return; // there is history: no greeting
    greetingShown = true;
    var node = messageEl({ role: "bot", text: widget.greeting });
    node.setAttribute("data-local", "greeting");
    messagesEl.insertBefore(node, messagesEl.firstChild);
  }

  function markRead(seq) {
    readSeq = Math.max(readSeq, seq || lastSeq);
    store.set("localStorage", READ_KEY, String(readSeq));
    unread = 0;
    showBadge();
  }
  function showBadge() {
    badge.hidden = !unread || isOpen;
    badge.textContent = unread > 99 ? "99+" : String(unread);
  }

  function hideTyping() { clearTimeout(typingTimer); typingEl.hidden = true; }
  function showTyping(role) {
    typingEl.textContent = role === "agent" ? t("typingAgent") : t("typing");
    typingEl.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOWN);
    scrollDown(false);
  }

  function showRating() {
    if (ratingEl) return; // stars already waiting for a tap: a repeated request does not add more
    var stars = el("div", { class: "stars", role: "group", "aria-label": t("rate") });
    var block = ratingEl = el("div", { class: "rating", "data-tail": "1" }, [el("div", { class: "rating-title", text: t("rate") }), stars]);
    [1, 2, 3, 4, 5].forEach(function (n) {
      stars.appendChild(el("button", {
        type: "button", class: "star", "data-testid": "bot-star-" + n, "data-score": n,
        "aria-label": t("star", { n: n }), title: t("star", { n: n }), text: "★",
        onclick: function () {
          deliver({ type: "rating", score: n });
          block.textContent = "";
          block.classList.add("done");
          block.removeAttribute("data-tail"); // answered: later messages go below it
          block.appendChild(el("div", { class: "rating-thanks", text: t("thanks") }));
          ratingEl = null;
          rated = true;
          if (!input.disabled) input.focus(); // the tapped star is gone: keep the keyboard in the widget
        },
        onmouseenter: function () { paintStars(stars, n); },
        onfocus: function () { paintStars(stars, n); }
      }));
    });
    stars.addEventListener("mouseleave", function () { paintStars(stars, 0); });
    messagesEl.appendChild(block);
    scrollDown(true);
  }
  function paintStars(stars, n) {
    stars.querySelectorAll(".star").forEach(function (s) { s.classList.toggle("lit", Number(s.getAttribute("data-score")) <= n); });
  }

  // ---------------------------------------------------------------- frames in
  function onFrame(f) {
    if (!f || typeof f.type !== "string") return;
    switch (f.type) {
      case "message": onMessage(f); break;
      case "typing": if (f.role && f.role !== "customer") showTyping(f.role); break;
      case "rating_request": showRating(); break;
      case "state": onState(f); break;
      case "error":
        notice(f.error === "rate_limited" ? (f.message || t("rateLimited")) : (f.message || t("error")));
        break;
      case "pong": break;
      default: break; // newer server, older widget: ignore what we do not know
    }
  }

  function onState(f) {
    if (typeof f.agents_online === "boolean") agentsOnline = f.agents_online;
    if (f.state) convState = f.state;
    if (f.agent && f.agent.name) agentName = String(f.agent.name);
    else if (f.state && f.state !== "agent") agentName = "";
    // Reconnected (or reloaded) during the survey: ask again, unless this page already answered it.
    if (f.state === "rating" && !rated) showRating();
    else if (f.state && f.state !== "rating") rated = false;
    setStatus();
  }

  // ---------------------------------------------------------------- frames out
  function sendNow(frame) {
    if (!ws || link !== "open" || ws.readyState !== 1) return false;
    try { ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function deliver(frame) { // frames without an echo: sent now or right after the next connect
    if (!sendNow(frame)) { outbox.push(frame); ensureStarted(); }
  }

  function flush() {
    sendNow({ type: "history", after: lastSeq });
    var queued = outbox; outbox = [];
    queued.forEach(deliver);
    pending.forEach(function (p) { transmit(p); });
  }

  function transmit(p) {
    if (sendNow(p.frame)) { p.sentAt = Date.now(); p.tries++; }
  }

  function addPending(frame, text) {
    var node = messageEl({ role: "customer", id: frame.id, text: text });
    node.setAttribute("data-pending", "1");
    node.classList.add("pending");
    messagesEl.insertBefore(node, messagesEl.querySelector("[data-tail]"));
    byId[frame.id] = node;
    var p = { id: frame.id, frame: frame, el: node, sentAt: 0, tries: 0 };
    pending.push(p);
    transmit(p);
    ensureStarted();
    scrollDown(true);
    return p;
  }

  function sendText(text) {
    text = String(text == null ? "" : text).trim();
    if (!text || link === "stopped") return false;
    var frame = { type: "message", id: clientId(), text: text };
    if (text.length > MAX_TEXT || byteLength(JSON.stringify(frame)) > MAX_FRAME_BYTES) { notice(t("tooLong")); return false; }
    addPending(frame, text);
    return true;
  }

  function tapButton(btn, row, value, label) {
    if (btn.disabled || link === "stopped") return;
    row.setAttribute("data-used", "1");
    btn.classList.add("chosen");
    refreshSuggestions();
    addPending({ type: "button", id: clientId(), value: value, label: label }, label);
  }

  // Pending messages the server never echoed (lost frame, rate limit): resend with the same id, then give up.
  function checkPending() {
    var now = Date.now();
    pending.forEach(function (p) {
      if (p.el.hasAttribute("data-failed") || !p.sentAt || now - p.sentAt < RESEND_AFTER * p.tries) return;
      if (p.tries >= MAX_TRIES) markFailed(p); else transmit(p);
    });
  }

  function markFailed(p) {
    p.el.setAttribute("data-failed", "1");
    p.el.classList.add("failed");
    p.el.appendChild(el("button", {
      type: "button", class: "retry", text: t("failed"), "aria-label": t("retry"),
      onclick: function (ev) {
        ev.currentTarget.remove();
        p.el.removeAttribute("data-failed");
        p.el.classList.remove("failed");
        p.tries = 0;
        transmit(p);
      }
    }));
  }

  // ---------------------------------------------------------------- session + socket
  function ensureStarted() {
    if (started) return;
    started = true;
    if (!WIDGET_ID) { stop(t("noWidget"), "data-widget-id is missing"); return; }
    tickTimer = setInterval(tick, 5000);
    openSession();
  }

  function openSession() {
    if (link === "stopped") return;
    link = "connecting";
    setStatus();
    var body = { widget_id: WIDGET_ID };
    var stored = store.get("localStorage", TOKEN_KEY);
    if (stored) body.token = stored;
    if (USER_ID) { body.user_id = USER_ID; if (USER_HASH) body.user_hash = USER_HASH; }
    fetch(BASE + "/api/widget/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      credentials: "omit", mode: "cors", cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (link === "stopped") return;
      var d = res.data || {};
      if (res.status === 200 && d.token) return onSession(d);
      var detail = "session " + res.status + " " + (d.error || "") + ": " + (d.message || "");
      if (res.status < 500 && USER_ID && (d.field === "user_id" || d.field === "user_hash")) {
        // The site's identity attributes are wrong: tell its developer, let the customer chat anonymously.
        console.warn("[cs-bot] " + detail + " (continuing as an anonymous visitor)");
        USER_ID = USER_HASH = "";
        return openSession();
      }
      if (res.status === 403) return stop(t("refused"), detail);
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return stop(t("badWidget"), detail);
      console.warn("[cs-bot] " + detail);
      retryLater(true);
    }).catch(function () { if (link !== "stopped") retryLater(true); });
  }

  function onSession(d) {
    token = d.token;
    store.set("localStorage", TOKEN_KEY, token);
    failuresSinceSession = 0;
    if (customerId && d.customer_id && d.customer_id !== customerId) resetView(); // a new visitor: old history is not theirs
    customerId = d.customer_id || customerId;
    if (typeof d.agents_online === "boolean") agentsOnline = d.agents_online;
    if (d.widget && !widget) applyWidget(d.widget);
    else if (d.widget) widget = d.widget;
    if (!d.conversation_id) showGreeting(); // no conversation yet, so no history to replay
    connect();
  }

  function applyWidget(w) {
    widget = w;
    if (w.name) { titleEl.textContent = String(w.name); if (MODE === "page") document.title = String(w.name); }
    if (w.color && window.CSS && CSS.supports("color", String(w.color))) {
      root.style.setProperty("--cs-color", String(w.color));
      root.style.setProperty("--cs-on-color", textOn(String(w.color)));
    }
    setStatus();
  }

  function resetView() {
    seen = {}; byId = {}; lastSeq = 0; greetingShown = false; ratingEl = null; rated = false;
    readSeq = 0; store.set("localStorage", READ_KEY, "0");
    messagesEl.querySelectorAll(".msg:not([data-pending]), .rating").forEach(function (n) { n.remove(); });
    pending.forEach(function (p) { byId[p.id] = p.el; });
  }

  function connect() {
    if (link === "stopped") return;
    var my = ++gen;
    link = "connecting";
    setStatus();
    var sock;
    try { sock = new WebSocket(WS_BASE + "/ws/chat?token=" + encodeURIComponent(token)); } catch (e) { retryLater(false); return; }
    ws = sock;
    sock.onopen = function () {
      if (my !== gen) return;
      link = "open"; everOpen = true; lastRx = lastPing = Date.now();
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { if (my === gen && sendNow({ type: "ping" })) lastPing = Date.now(); }, PING_EVERY);
      setStatus();
      flush();
      clearTimeout(greetingTimer);
      greetingTimer = setTimeout(showGreeting, 1500); // nothing replayed: an empty conversation, greet
    };
    sock.onmessage = function (ev) {
      if (my !== gen) return;
      lastRx = Date.now();
      attempts = 0; failuresSinceSession = 0;
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      onFrame(f);
    };
    sock.onclose = function (ev) {
      if (my !== gen) return;
      ws = null;
      clearInterval(pingTimer);
      hideTyping();
      if (ev.code === 4403) return stop(t("refused"), "the server refused this site's origin (4403)");
      if (ev.code === 4401) { // session invalid or expired: a new session (another tab may have one already)
        var stored = store.get("localStorage", TOKEN_KEY);
        if (stored === token) store.del("localStorage", TOKEN_KEY);
        token = null;
        link = "waiting"; setStatus();
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(openSession, attempts ? backoff() : 0);
        attempts++;
        return;
      }
      // Policy (flooding), not JSON, too large: something is off on our side, do not hammer the server.
      if (ev.code === 1008 || ev.code === 1003 || ev.code === 1009) attempts = Math.max(attempts, 4);
      retryLater(false);
    };
    sock.onerror = function () { /* onclose follows */ };
  }

  function backoff() {
    var cap = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempts));
    return Math.round(cap / 2 + Math.random() * cap / 2); // jitter: half to all of the cap
  }

  function retryLater(sessionFailed) {
    if (link === "stopped") return;
    link = "waiting";
    setStatus();
    clearTimeout(reconnectTimer);
    var delay = backoff();
    attempts++;
    if (!sessionFailed) failuresSinceSession++;
    // No token, or the socket keeps failing (an HTTP refusal looks like 1006): ask for the session again.
    var next = (!token || sessionFailed || failuresSinceSession >= 3) ? openSession : connect;
    reconnectTimer = setTimeout(next, delay);
  }

  function reconnectNow() {
    if (link !== "waiting") return;
    clearTimeout(reconnectTimer);
    attempts = 0;
    (token ? connect : openSession)();
  }

  function tick() {
    if (link === "open" && ws) {
      var now = Date.now();
      // Silent for 60 s although we pinged since the last frame: the connection is dead.
      if (now - lastRx > SILENCE_LIMIT && lastPing > lastRx && now - lastPing > 10000) {
        gen++;
        try { ws.close(4000, "silent"); } catch (e) { /* ignore */ }
        ws = null;
        retryLater(false);
        return;
      }
      if (now - lastRx > SILENCE_LIMIT && lastPing <= lastRx && sendNow({ type: "ping" })) lastPing = now;
      checkPending();
    }
  }

  // ---------------------------------------------------------------- leave a message
  function toggleLeaveForm(show) {
    leaveForm.hidden = !show;
    composer.hidden = !!show;
    if (show) leaveText.focus();
  }

  leaveForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = leaveText.value.trim(), contact = leaveContact.value.trim();
    if (!text) { notice(t("leaveEmpty")); leaveText.focus(); return; }
    var frame = { type: "leave_message", id: clientId(), text: text.slice(0, MAX_TEXT) };
    if (contact) frame.contact = contact.slice(0, 100);
    if (byteLength(JSON.stringify(frame)) > MAX_FRAME_BYTES) { notice(t("tooLong")); return; }
    deliver(frame);
    leaveText.value = ""; leaveContact.value = "";
    toggleLeaveForm(false);
    notice(t("leaveSent"));
  });

  // ---------------------------------------------------------------- composer
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  composer.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (sendText(input.value)) { input.value = ""; autosize(); }
    input.focus();
  });

  input.addEventListener("keydown", function (ev) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate (Chinese input) is not a send.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  input.addEventListener("input", function () {
    autosize();
    var now = Date.now();
    if (input.value.trim() && now - lastTyping >= TYPING_EVERY && sendNow({ type: "typing" })) lastTyping = now;
  });

  root.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && MODE !== "page" && isOpen) { api.close(); }
  });

  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { if (link === "waiting") reconnectNow(); else tick(); }
  });

  // ---------------------------------------------------------------- public API
  var api = {
    version: "1",
    open: function (noFocus) {
      if (MODE === "page") { if (noFocus !== true) input.focus(); return; }
      isOpen = true;
      panel.hidden = false;
      root.classList.add("is-open");
      launcher.setAttribute("aria-expanded", "true");
      store.set("sessionStorage", OPEN_KEY, "1");
      markRead(lastSeq);
      ensureStarted();
      scrollDown(true);
      if (noFocus !== true) setTimeout(function () { if (!input.disabled) input.focus(); }, 0);
    },
    close: function () {
      if (MODE === "page") return;
      isOpen = false;
      panel.hidden = true;
      root.classList.remove("is-open");
      launcher.setAttribute("aria-expanded", "false");
      store.del("sessionStorage", OPEN_KEY);
      showBadge();
      launcher.focus();
    },
    toggle: function () { if (isOpen) api.close(); else api.open(); },
    send: function (text) { api.open(true); return sendText(text); }
  };
  window.CsBotWidget = api;

  function mount() {
    document.body.appendChild(host);
    // Connect at once on the chat page, for a returning visitor (unread replies) or a panel left open;
    // a first-time visitor gets a session only when they open the chat.
    if (MODE === "page") { document.documentElement.lang = lang; ensureStarted(); }
    else if (store.get("sessionStorage", OPEN_KEY)) api.open(true); // left open on the previous page
    else if (store.get("localStorage", TOKEN_KEY)) ensureStarted();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
