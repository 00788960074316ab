// Front end of kumo's web-app pattern: signs in against the Cognito user
// pool and lists, creates, toggles and deletes items through the API.
//
// Deliberately dependency-free and CSP-friendly: no inline scripts or
// styles, and user data only ever reaches the page through textContent,
// never innerHTML. The ID token is held in memory only, so another script
// on the origin or a stolen disk cannot read it from storage; the price is
// signing in again after a reload or when the token expires.
"use strict";

(() => {
  const PAGE_SIZE = 25;
  // Cognito challenges this page can answer with one text field.
  const CHALLENGES = {
    NEW_PASSWORD_REQUIRED: { label: "Choose a new password", field: "NEW_PASSWORD", type: "password", autocomplete: "new-password" },
    SOFTWARE_TOKEN_MFA: { label: "Code from your authenticator app", field: "SOFTWARE_TOKEN_MFA_CODE", type: "text", autocomplete: "one-time-code" },
    SMS_MFA: { label: "Code sent by SMS", field: "SMS_MFA_CODE", type: "text", autocomplete: "one-time-code" },
    EMAIL_OTP: { label: "Code sent by e-mail", field: "EMAIL_OTP_CODE", type: "text", autocomplete: "one-time-code" },
  };

  const state = {
    config: null,
    idToken: null,
    expiresAt: 0,
    challenge: null, // { name, session, username }
    items: new Map(), // id -> item
    next: "",
  };

  const $ = (id) => document.getElementById(id);

  class ApiError extends Error {
    constructor(status, body) {
      // The items API answers {"error", "details"}; API Gateway's own
      // responses (request validation, throttling) answer {"message"}.
      const text = body && (typeof body.error === "string" ? body.error : body.message);
      super(typeof text === "string" && text ? text : `request failed with HTTP ${status}`);
      this.status = status;
      this.details = (body && Array.isArray(body.details)) ? body.details : [];
    }
  }

  class SessionError extends Error {}

  // ---- messages ----------------------------------------------------------

  function showMessage(text, details = [], kind = "error") {
    const box = $("message");
    box.replaceChildren();
    box.className = kind === "info" ? "message info" : "message";
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    if (details.length > 0) {
      const ul = document.createElement("ul");
      for (const d of details) {
        const li = document.createElement("li");
        li.textContent = typeof d === "string" ? d : String(d.message || d.field || "");
        ul.append(li);
      }
      box.append(ul);
    }
    box.hidden = false;
  }

  function clearMessage() {
    $("message").hidden = true;
    $("message").replaceChildren();
  }

  function showError(err) {
    if (err instanceof SessionError) return; // already reported by signOut
    if (err instanceof ApiError) {
      showMessage(err.message, err.details);
    } else if (err instanceof TypeError) {
      // fetch rejects with a TypeError on network failures and on
      // responses without CORS headers (e.g. API Gateway's own errors).
      showMessage("Could not reach the server. Check your connection and try again.", [err.message]);
    } else {
      showMessage(err.message || String(err));
    }
  }

  function showView(name) {
    for (const id of ["loading", "signin", "challenge", "app"]) {
      $(id).hidden = id !== name;
    }
  }

  // Disables a form's or a button's controls while a request runs.
  async function busy(el, fn) {
    const controls = el.matches("form") ? el.querySelectorAll("button, input, textarea") : [el];
    for (const c of controls) c.disabled = true;
    try {
      return await fn();
    } finally {
      for (const c of controls) c.disabled = false;
    }
  }

  // ---- configuration and health -----------------------------------------

  async function loadConfig() {
    const res = await fetch("/config.json", { cache: "no-store" });
    let c;
    try {
      c = await res.json();
    } catch {
      // With the SPA fallback a missing file comes back as index.html.
      throw new Error("/config.json is missing or not JSON; it is written at deploy time.");
    }
    if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`);
    const missing = ["apiUrl", "region", "userPoolId", "userPoolClientId"].filter((k) => typeof c[k] !== "string" || c[k] === "");
    if (missing.length > 0) throw new Error(`/config.json lacks ${missing.join(", ")}.`);
    // The region becomes part of a host name; refuse anything else.
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(c.region)) throw new Error(`/config.json: region "${c.region}" is not an AWS region.`);
    if (!/^https:\/\//.test(c.apiUrl)) throw new Error(`/config.json: apiUrl "${c.apiUrl}" must start with https://.`);
    return { ...c, apiUrl: c.apiUrl.replace(/\/+$/, "") };
  }

  async function checkHealth() {
    const el = $("health");
    try {
      const res = await fetch(`${state.config.apiUrl}/health`, { cache: "no-store" });
      const body = await res.json();
      if (!res.ok || body.status !== "ok") throw new Error(`HTTP ${res.status}`);
      el.textContent = `API ok · ${body.function || "?"} version ${body.version || "?"}`;
      el.className = "health ok";
    } catch (err) {
      el.textContent = `API unavailable (${err.message})`;
      el.className = "health bad";
    }
  }

  // ---- Cognito -------------------------------------------------------------

  async function cognito(action, payload) {
    const res = await fetch(`https://cognito-idp.${state.config.region}.amazonaws.com/`, {
      method: "POST",
      headers: {
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        "Content-Type": "application/x-amz-json-1.1",
      },
      body: JSON.stringify(payload),
    });
    let body = {};
    try {
      body = await res.json();
    } catch {
      // keep {}: the status below still says what happened
    }
    if (!res.ok) {
      const type = String(body.__type || "").split("#").pop();
      throw new Error(body.message || type || `Cognito answered HTTP ${res.status}`);
    }
    return body;
  }

  function handleAuth(result, username) {
    if (result.AuthenticationResult && result.AuthenticationResult.IdToken) {
      const r = result.AuthenticationResult;
      state.idToken = r.IdToken;
      state.expiresAt = Date.now() + (Number(r.ExpiresIn) || 3600) * 1000;
      state.challenge = null;
      $("password").value = "";
      $("challenge-answer").value = "";
      $("whoami").textContent = displayName(r.IdToken, username);
      clearMessage();
      showView("app");
      return refresh();
    }
    const spec = CHALLENGES[result.ChallengeName];
    if (!spec) {
      throw new Error(`Sign-in needs a step this page does not support (${result.ChallengeName || "no token returned"}).`);
    }
    state.challenge = {
      name: result.ChallengeName,
      session: result.Session,
      // Cognito wants the real user name, not the e-mail alias.
      username: (result.ChallengeParameters && result.ChallengeParameters.USER_ID_FOR_SRP) || username,
    };
    $("challenge-label").textContent = spec.label;
    const input = $("challenge-answer");
    input.type = spec.type;
    input.autocomplete = spec.autocomplete;
    input.value = "";
    clearMessage();
    showView("challenge");
    input.focus();
    return undefined;
  }

  // Reads the name to show from the token. Display only: the API verifies
  // the token, the page never trusts it.
  function displayName(idToken, fallback) {
    try {
      const part = idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part), (ch) => ch.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims.email || claims["cognito:username"] || fallback;
    } catch {
      return fallback;
    }
  }

  function signOut(reason) {
    state.idToken = null;
    state.expiresAt = 0;
    state.challenge = null;
    state.items.clear();
    state.next = "";
    $("items").replaceChildren();
    $("whoami").textContent = "";
    showView("signin");
    if (reason) showMessage(reason, [], "info");
    else clearMessage();
  }

  // ---- items API -------------------------------------------------------------

  async function api(method, path, body) {
    if (!state.idToken || Date.now() >= state.expiresAt) {
      signOut("Your session has expired. Please sign in again.");
      throw new SessionError();
    }
    const init = { method, headers: { Authorization: state.idToken } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(state.config.apiUrl + path, init);
    if (res.status === 401 || res.status === 403) {
      signOut("The API did not accept your session. Please sign in again.");
      throw new SessionError();
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch {
      // leave null; ApiError falls back to the status
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  const itemPath = (id) => `/items/${encodeURIComponent(id)}`;

  async function loadPage(next) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (next) q.set("next", next);
    const page = await api("GET", `/items?${q}`);
    for (const it of page.items || []) state.items.set(it.id, it);
    state.next = page.next || "";
    render();
  }

  async function refresh() {
    state.items.clear();
    state.next = "";
    await loadPage("");
  }

  function render() {
    const list = $("items");
    const sorted = [...state.items.values()].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
    list.replaceChildren(...sorted.map(renderItem));
    $("empty").hidden = sorted.length > 0;
    $("more").hidden = !state.next;
  }

  function renderItem(it) {
    const li = document.createElement("li");
    li.className = it.done ? "item done" : "item";
    li.dataset.id = it.id;

    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = Boolean(it.done);
    box.className = "toggle";
    box.id = `done-${it.id}`;

    const text = document.createElement("div");
    const name = document.createElement("label");
    name.className = "name";
    name.htmlFor = box.id;
    name.textContent = it.name;
    text.append(name);
    if (it.description) {
      const desc = document.createElement("p");
      desc.className = "description";
      desc.textContent = it.description;
      text.append(desc);
    }
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = `Created ${formatTime(it.createdAt)}` + (it.updatedAt !== it.createdAt ? ` · updated ${formatTime(it.updatedAt)}` : "");
    text.append(meta);

    const del = document.createElement("button");
    del.type = "button";
    del.className = "danger delete";
    del.textContent = "Delete";
    del.setAttribute("aria-label", `Delete ${it.name}`);

    li.append(box, text, del);
    return li;
  }

  function formatTime(s) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString();
  }

  async function toggle(box, id) {
    const it = state.items.get(id);
    if (!it) return;
    try {
      // PUT replaces the whole item, so send every field.
      const updated = await busy(box, () => api("PUT", itemPath(id), { name: it.name, description: it.description || "", done: box.checked }));
      state.items.set(id, updated);
      clearMessage();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) state.items.delete(id);
      showError(err);
    }
    render();
  }

  async function remove(button, id) {
    const it = state.items.get(id);
    if (!it || !window.confirm(`Delete "${it.name}"?`)) return;
    try {
      await busy(button, () => api("DELETE", itemPath(id)));
      state.items.delete(id);
      clearMessage();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) state.items.delete(id); // already gone
      else showError(err);
    }
    render();
  }

  // ---- wiring -------------------------------------------------------------------

  function wire() {
    $("signin-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const username = $("username").value.trim();
      const password = $("password").value;
      try {
        await busy(ev.currentTarget, async () => {
          const r = await cognito("InitiateAuth", {
            AuthFlow: "USER_PASSWORD_AUTH",
            ClientId: state.config.userPoolClientId,
            AuthParameters: { USERNAME: username, PASSWORD: password },
          });
          await handleAuth(r, username);
        });
      } catch (err) {
        showError(err);
      }
    });

    $("challenge-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const c = state.challenge;
      if (!c) return signOut();
      const answer = $("challenge-answer").value.trim();
      try {
        await busy(ev.currentTarget, async () => {
          const r = await cognito("RespondToAuthChallenge", {
            ChallengeName: c.name,
            ClientId: state.config.userPoolClientId,
            Session: c.session,
            ChallengeResponses: { USERNAME: c.username, [CHALLENGES[c.name].field]: answer },
          });
          await handleAuth(r, c.username);
        });
      } catch (err) {
        showError(err);
      }
      return undefined;
    });

    $("challenge-cancel").addEventListener("click", () => signOut());
    $("signout").addEventListener("click", () => signOut());

    $("refresh").addEventListener("click", async (ev) => {
      try {
        await busy(ev.currentTarget, refresh);
        clearMessage();
      } catch (err) {
        showError(err);
      }
    });

    $("more").addEventListener("click", async (ev) => {
      try {
        await busy(ev.currentTarget, () => loadPage(state.next));
      } catch (err) {
        showError(err);
      }
    });

    $("create-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const form = ev.currentTarget;
      const body = { name: $("new-name").value, description: $("new-description").value, done: false };
      try {
        const it = await busy(form, () => api("POST", "/items", body));
        state.items.set(it.id, it);
        form.reset();
        clearMessage();
        render();
        $("new-name").focus();
      } catch (err) {
        showError(err);
      }
    });

    // One listener for all rows, which are re-created on every render.
    $("items").addEventListener("change", (ev) => {
      const box = ev.target;
      if (box.matches("input.toggle")) toggle(box, box.closest("li").dataset.id);
    });
    $("items").addEventListener("click", (ev) => {
      const button = ev.target.closest("button.delete");
      if (button) remove(button, button.closest("li").dataset.id);
    });
  }

  async function start() {
    wire();
    try {
      state.config = await loadConfig();
    } catch (err) {
      $("loading").textContent = "This site is not configured.";
      $("health").textContent = "API unknown";
      $("health").className = "health bad";
      showMessage(err.message);
      return;
    }
    checkHealth();
    showView("signin");
  }

  start();
})();
