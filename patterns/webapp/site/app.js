// Front end of kumo's web-app pattern: signs in against the Cognito user
// pool (setting up an authenticator app where the pool requires MFA) and
// lists, creates, toggles and deletes items through the API.
//
// Every change names the version of the item it was made on: the API sends
// each item's version (as "version" in lists and as the ETag header of an
// item), and a PUT or DELETE carries it back in If-Match. When someone
// else changed the item in between, the API answers 412 and the page says
// so and reloads the list, instead of silently overwriting their change.
//
// Deliberately self-contained and CSP-friendly: no build step, nothing
// loaded from other origins (the one library, a QR code generator, is
// vendored under vendor/), no inline scripts or styles, and user data only
// ever reaches the page through textContent or an attribute the page builds
// itself (the otpauth: setup link, its parts URI-encoded), never innerHTML. The ID token is held in memory only, so another script
// on the origin or a stolen disk cannot read it from storage; the price is
// signing in again after a reload or when the token expires.
"use strict";

(() => {
  const PAGE_SIZE = 25;
  // Cognito's user pool API reference, where each action named below is
  // API_<Action>.html: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/
  //
  // Cognito challenges this page can answer with one text field. MFA_SETUP
  // needs more (a key to show, then a code) and has its own view.
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
    login: "", // what the user typed as user name: their e-mail address
    challenge: null, // { name, session, username, and for MFA_SETUP: secret, verified }
    items: new Map(), // id -> item
    etags: new Map(), // id -> the ETag of the version shown, for If-Match
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

  // CognitoError is an error answer of Cognito's JSON 1.1 API: HTTP 4xx/5xx
  // with {"__type": "CodeMismatchException", "message": "..."}, where
  // __type may carry a "namespace#" prefix. The types each action can
  // answer are listed under Errors on its API reference page.
  class CognitoError extends Error {
    constructor(status, body) {
      const type = String((body && body.__type) || "").split("#").pop();
      const text = body && (body.message || body.Message);
      super(typeof text === "string" && text ? text : type || `Cognito answered HTTP ${status}`);
      this.status = status;
      this.type = type;
    }
  }

  // Wrong one-time codes: RespondToAuthChallenge answers
  // CodeMismatchException, VerifySoftwareToken EnableSoftwareTokenMFAException
  // ("there is a code mismatch and the service fails to configure the
  // software token") or, per its reference page, CodeMismatchException.
  const WRONG_CODE = new Set(["CodeMismatchException", "EnableSoftwareTokenMFAException"]);

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
    for (const id of ["loading", "signin", "challenge", "mfa-setup", "app"]) {
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
    if (!res.ok) throw new CognitoError(res.status, body);
    return body;
  }

  // handleAuth takes the answer of InitiateAuth or RespondToAuthChallenge:
  // tokens, or the next challenge with its Session. One sign-in can need
  // several steps, e.g. NEW_PASSWORD_REQUIRED and then MFA_SETUP.
  async function handleAuth(result) {
    // The password is spent either way; a restart must ask for it again
    // (after NEW_PASSWORD_REQUIRED the one typed is no longer valid).
    $("password").value = "";
    if (result.AuthenticationResult && result.AuthenticationResult.IdToken) {
      const r = result.AuthenticationResult;
      state.idToken = r.IdToken;
      state.expiresAt = Date.now() + (Number(r.ExpiresIn) || 3600) * 1000;
      state.challenge = null;
      $("challenge-answer").value = "";
      clearMfaSetup();
      $("whoami").textContent = displayName(r.IdToken, state.login);
      clearMessage();
      showView("app");
      return refresh();
    }
    const params = result.ChallengeParameters || {};
    const c = {
      name: result.ChallengeName,
      session: result.Session,
      // Cognito wants the real user name, not the e-mail alias; a
      // challenge that follows another may not repeat it.
      username: params.USER_ID_FOR_SRP || (state.challenge && state.challenge.username) || state.login,
    };
    if (c.name === "MFA_SETUP") return startMfaSetup(c, params);
    const spec = CHALLENGES[c.name];
    if (!spec) {
      throw new Error(`Sign-in needs a step this page does not support (${c.name || "no token returned"}).`);
    }
    state.challenge = c;
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

  // ---- authenticator app enrolment (MFA_SETUP) -------------------------------

  // What VerifySoftwareToken's FriendlyDeviceName records; Cognito keeps one
  // authenticator per user, so there is nothing to tell apart.
  const DEVICE_NAME = "Authenticator app";

  // MFA_SETUP: the user pool requires MFA and this user has none yet. Per
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
  // (ChallengeName, MFA_SETUP), the challenge's Session authorises
  // AssociateSoftwareToken, whose Session authorises VerifySoftwareToken,
  // whose Session answers the challenge: ChallengeName "MFA_SETUP",
  // ChallengeResponses {"USERNAME"}. Each call answers a new Session.
  async function startMfaSetup(c, params) {
    // MFAS_CAN_SETUP lists, as JSON text, the factors the pool lets the
    // user set up, e.g. "[\"SOFTWARE_TOKEN_MFA\"]". SMS and e-mail MFA would
    // need a phone number or address collected first, which this page
    // cannot do; kumo's user pools offer authenticator apps only.
    if (params.MFAS_CAN_SETUP && !String(params.MFAS_CAN_SETUP).includes("SOFTWARE_TOKEN_MFA")) {
      throw new Error(`Your account must set up a second sign-in step this page does not support (${params.MFAS_CAN_SETUP}). Ask an administrator.`);
    }
    // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AssociateSoftwareToken.html
    // Request {Session} (or an AccessToken, not both); response
    // {SecretCode, Session}. SecretCode is the shared
    // secret in base32 (pattern [A-Za-z0-9]+, at least 16 characters).
    const r = await cognito("AssociateSoftwareToken", { Session: c.session });
    const secret = String(r.SecretCode || "").replace(/=+$/, "");
    if (!/^[A-Za-z0-9]{16,}$/.test(secret) || !r.Session) {
      throw new Error("Cognito did not send a key for your authenticator app. Please sign in again.");
    }
    state.challenge = { ...c, session: r.Session, secret, verified: false };

    const uri = otpauthURI(location.hostname, state.login || c.username, secret);
    $("totp-secret").textContent = secret.replace(/(.{4})(?=.)/g, "$1 ");
    $("totp-uri").textContent = uri;
    $("totp-uri").href = uri;
    renderQR($("totp-qr"), uri);
    $("totp-code").value = "";
    clearMessage();
    showView("mfa-setup");
    $("totp-code").focus();
  }

  // otpauthURI is the Key URI Format authenticator apps read from QR codes
  // (https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
  // otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER. The issuer
  // is both the label's prefix and a parameter so old and new apps agree.
  // Left out, the algorithm, digits and period are SHA1, 6 and 30 s, the
  // RFC 6238 TOTP codes Cognito expects. encodeURIComponent keeps the URI
  // ASCII, which the QR generator's byte mode needs.
  function otpauthURI(issuer, account, secret) {
    const i = encodeURIComponent(issuer);
    return `otpauth://totp/${i}:${encodeURIComponent(account)}?secret=${secret}&issuer=${i}`;
  }

  // renderQR draws text as a QR code in an SVG built through the DOM:
  // nothing is parsed from strings, and the CSP needs no data: image or
  // inline style. It draws nothing if the vendored generator did not load;
  // the key and the link are still there to use.
  function renderQR(container, text) {
    container.replaceChildren();
    if (typeof qrcode !== "function") {
      container.hidden = true;
      return;
    }
    const qr = qrcode(0, "M"); // smallest version that fits; 15% damage tolerated
    qr.addData(text, "Byte");
    qr.make();
    const n = qr.getModuleCount();
    const quiet = 4; // the quiet zone scanners need, in modules
    const size = n + 2 * quiet;
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("aria-hidden", "true");
    const bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", String(size));
    bg.setAttribute("height", String(size));
    bg.setAttribute("fill", "#fff"); // dark on light in dark mode too: scanners expect it
    const d = [];
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        if (qr.isDark(row, col)) d.push(`M${col + quiet} ${row + quiet}h1v1h-1z`);
      }
    }
    const modules = document.createElementNS(ns, "path");
    modules.setAttribute("d", d.join(""));
    modules.setAttribute("fill", "#000");
    svg.append(bg, modules);
    container.append(svg);
    container.hidden = false;
  }

  function clearMfaSetup() {
    $("totp-qr").replaceChildren();
    $("totp-secret").textContent = "";
    $("totp-uri").textContent = "";
    $("totp-uri").removeAttribute("href");
    $("totp-code").value = "";
  }

  async function finishMfaSetup(code) {
    const c = state.challenge;
    if (!c.verified) {
      // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifySoftwareToken.html
      // Request {Session, UserCode (6 digits), FriendlyDeviceName};
      // response {Status: "SUCCESS" | "ERROR", Session}.
      const v = await cognito("VerifySoftwareToken", { Session: c.session, UserCode: code, FriendlyDeviceName: DEVICE_NAME });
      if (v.Status !== "SUCCESS" || !v.Session) {
        throw new CognitoError(400, { __type: "EnableSoftwareTokenMFAException", message: `verification answered ${v.Status}` });
      }
      // From here the authenticator is the user's: a retry only repeats the
      // step below, and after a restart sign-in asks for its code instead
      // of setting up a new one.
      c.verified = true;
      c.session = v.Session;
    }
    const r = await cognito("RespondToAuthChallenge", {
      ChallengeName: "MFA_SETUP",
      ClientId: state.config.userPoolClientId,
      Session: c.session,
      ChallengeResponses: { USERNAME: c.username },
    });
    await handleAuth(r);
  }

  // challengeFailed reports a failed answer to a sign-in step in words that
  // say what to do next.
  function challengeFailed(err, input) {
    const c = state.challenge;
    if (err instanceof CognitoError && WRONG_CODE.has(err.type)) {
      const app = c && (c.name === "MFA_SETUP" || c.name === "SOFTWARE_TOKEN_MFA");
      showMessage(app
        ? "That code was not accepted. Enter the code your authenticator app shows now; it changes every 30 seconds. If codes keep failing, check that your phone sets its clock automatically."
        : "That code was not accepted. Check it and try again.");
      input.value = "";
      // On a phone the message is a screen away from the field.
      $("message").scrollIntoView({ block: "nearest" });
      input.focus({ preventScroll: true });
      return;
    }
    // A sign-in's Session lasts a few minutes and answers one step; past
    // that Cognito answers NotAuthorizedException "Invalid session for
    // the user, session is expired." (or "... can only be used once.").
    if (err instanceof CognitoError && err.type === "NotAuthorizedException" && /session/i.test(err.message)) {
      const orphan = c && c.name === "MFA_SETUP" && !c.verified;
      signOut("This sign-in took too long and has expired. Please sign in again." +
        (orphan ? " You will get a new key: delete the one you just added from your authenticator app." : ""));
      $("password").focus();
      return;
    }
    showError(err);
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
    $("password").value = "";
    $("challenge-answer").value = "";
    clearMfaSetup();
    state.items.clear();
    state.etags.clear();
    state.next = "";
    $("items").replaceChildren();
    $("whoami").textContent = "";
    showView("signin");
    if (reason) showMessage(reason, [], "info");
    else clearMessage();
  }

  // ---- items API -------------------------------------------------------------

  // api calls the items API and answers the JSON body (null for 204) and the
  // ETag header, which the API exposes to this origin. ifMatch, when given,
  // is the ETag of the version a PUT or DELETE was made on.
  async function api(method, path, body, ifMatch) {
    if (!state.idToken || Date.now() >= state.expiresAt) {
      signOut("Your session has expired. Please sign in again.");
      throw new SessionError();
    }
    const init = { method, headers: { Authorization: state.idToken } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (ifMatch !== undefined) init.headers["If-Match"] = ifMatch;
    const res = await fetch(state.config.apiUrl + path, init);
    if (res.status === 401 || res.status === 403) {
      signOut("The API did not accept your session. Please sign in again.");
      throw new SessionError();
    }
    if (res.status === 204) return { data: null, etag: null };
    let data = null;
    try {
      data = await res.json();
    } catch {
      // leave null; ApiError falls back to the status
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return { data, etag: res.headers.get("ETag") };
  }

  const itemPath = (id) => `/items/${encodeURIComponent(id)}`;

  // The ETag of an item at its version, as the API writes it: the version
  // in double quotes. Items stored before versions existed have none, 0.
  const etagOf = (it) => `"${Number.isSafeInteger(it.version) ? it.version : 0}"`;

  // remember keeps an item and the ETag to send back when changing it: the
  // response's header where there is one, else the one its version makes.
  function remember(it, etag) {
    state.items.set(it.id, it);
    state.etags.set(it.id, etag || etagOf(it));
  }

  function forget(id) {
    state.items.delete(id);
    state.etags.delete(id);
  }

  async function loadPage(next) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (next) q.set("next", next);
    const { data: page } = await api("GET", `/items?${q}`);
    for (const it of page.items || []) remember(it);
    state.next = page.next || "";
    render();
  }

  async function refresh() {
    state.items.clear();
    state.etags.clear();
    state.next = "";
    await loadPage("");
  }

  // changedElsewhere handles a 412: the item changed after this page loaded
  // it, so the change was not made. The page says so and shows what is
  // there now.
  async function changedElsewhere(it, what) {
    try {
      await refresh();
    } catch (err) {
      showError(err);
      return;
    }
    showMessage(`Someone else changed "${it.name}" after this page loaded it, so it was not ${what}. ` +
      "The list now shows the latest version; check it and try again if you still want to.");
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
      // PUT replaces the whole item, so send every field, and name the
      // version they were read from.
      const body = { name: it.name, description: it.description || "", done: box.checked };
      const { data, etag } = await busy(box, () => api("PUT", itemPath(id), body, state.etags.get(id)));
      remember(data, etag);
      clearMessage();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) return changedElsewhere(it, "changed");
      if (err instanceof ApiError && err.status === 404) forget(id);
      showError(err);
    }
    render();
    return undefined;
  }

  async function remove(button, id) {
    const it = state.items.get(id);
    if (!it || !window.confirm(`Delete "${it.name}"?`)) return;
    try {
      await busy(button, () => api("DELETE", itemPath(id), undefined, state.etags.get(id)));
      forget(id);
      clearMessage();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) return changedElsewhere(it, "deleted");
      if (err instanceof ApiError && err.status === 404) forget(id); // already gone
      else showError(err);
    }
    render();
    return undefined;
  }

  // ---- wiring -------------------------------------------------------------------

  function wire() {
    $("signin-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const username = $("username").value.trim();
      const password = $("password").value;
      state.login = username;
      state.challenge = null;
      try {
        await busy(ev.currentTarget, async () => {
          // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
          // Response {AuthenticationResult} or {ChallengeName,
          // ChallengeParameters, Session}.
          const r = await cognito("InitiateAuth", {
            AuthFlow: "USER_PASSWORD_AUTH",
            ClientId: state.config.userPoolClientId,
            AuthParameters: { USERNAME: username, PASSWORD: password },
          });
          await handleAuth(r);
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
          await handleAuth(r);
        });
      } catch (err) {
        challengeFailed(err, $("challenge-answer"));
      }
      return undefined;
    });

    $("mfa-setup-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const c = state.challenge;
      if (!c || c.name !== "MFA_SETUP") return signOut();
      // Apps show codes as "123 456"; people type them that way too.
      const code = $("totp-code").value.replace(/\s+/g, "");
      if (!/^[0-9]{6}$/.test(code)) {
        showMessage("Enter the 6 digits your authenticator app shows.");
        $("totp-code").focus();
        return undefined;
      }
      try {
        await busy(ev.currentTarget, () => finishMfaSetup(code));
      } catch (err) {
        challengeFailed(err, $("totp-code"));
      }
      return undefined;
    });

    $("challenge-cancel").addEventListener("click", () => signOut());
    $("mfa-setup-cancel").addEventListener("click", () => signOut());
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
        const { data: it, etag } = await busy(form, () => api("POST", "/items", body));
        remember(it, etag);
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
