// The ECG viewer: a client of the public API. Tokens live in memory only; an expired access
// token is refreshed with the refresh token, once, before the request is retried.
"use strict";

const api = "/api/v1";
const state = { access: null, refresh: null, cursor: null, ecg: null, start: 0, duration: 10 };
// The latest list page asked for, ECG opened and window drawn: an answer to an older request is
// dropped, so a slow answer never puts one ECG's tracing under another's title.
let latest = 0;
// Which signed-in session this is: nothing asked for in an earlier one (a download, a page of
// the list) reaches the page once its account has signed out.
let session = 0;
const $ = (id) => document.getElementById(id);

function say(message) { $("status").textContent = message; }

function show(...ids) {
  for (const id of ["sign-in", "choose-password", "admin-note", "ecg-list", "ecg-detail"]) $(id).hidden = !ids.includes(id);
  $("sign-out").hidden = ids.includes("sign-in");
}

// One refresh at a time: two requests that find the access token expired together must not
// both present the same single-use refresh token (the second would end the session).
let refreshing = null;

function refreshTokens() {
  refreshing ??= (async () => {
    const response = await fetch(`${api}/auth/refresh`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: state.refresh }),
    });
    if (!response.ok) return false;
    const tokens = await response.json();
    state.access = tokens.access_token;
    state.refresh = tokens.refresh_token;
    return true;
  })().finally(() => { refreshing = null; });
  return refreshing;
}

async function call(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${state.access}` };
  const response = await fetch(`${api}${path}`, { ...options, headers });
  if (response.status === 401 && !retried && state.refresh && (await refreshTokens())) {
    return call(path, options, true);
  }
  if (response.status === 401 && state.access) {
    forget();
    throw new Error("The session has ended: sign in again.");
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ message: response.statusText }));
    throw new Error(problem.message || `HTTP ${response.status}`);
  }
  return response;
}

async function signIn(event) {
  event.preventDefault();
  const response = await fetch(`${api}/auth/login`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("username").value, password: $("password").value }),
  });
  const body = await response.json();
  if (!response.ok) { say(body.message); return; }
  state.access = body.access_token;
  state.refresh = body.refresh_token;
  clearPasswords();
  await enter();
}

// A new account's password, or a reset one, is an administrator's: it opens nothing but the
// choice of the owner's own (POST /auth/password), which the viewer asks for first.
async function enter() {
  const me = await (await call("/auth/me")).json();
  if (me.password_change_required) {
    show("choose-password");
    say(`Signed in as ${me.username}: choose your password.`);
    return;
  }
  if (me.role === "admin") { show("admin-note"); say(`Signed in as ${me.username} (admin).`); return; }
  say(`Signed in as ${me.username}.`);
  $("ecg-rows").replaceChildren();
  state.cursor = null;
  await listEcgs();
}

async function choosePassword(event) {
  event.preventDefault();
  if ($("new-password").value !== $("repeat-password").value) { say("The two new passwords differ."); return; }
  const change = { current_password: $("current-password").value, new_password: $("new-password").value };
  try {
    await call("/auth/password", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(change),
    });
  } finally {
    clearPasswords();
  }
  await enter();
}

function clearPasswords() {
  for (const id of ["password", "current-password", "new-password", "repeat-password"]) $(id).value = "";
}

async function listEcgs() {
  const request = ++latest;
  const query = state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  const page = await (await call(`/ecgs${query}`)).json();
  if (request !== latest) return;
  for (const ecg of page.items) {
    const row = document.createElement("tr");
    const link = document.createElement("button");
    link.type = "button";
    link.textContent = ecg.id;
    link.addEventListener("click", guarded(() => openEcg(ecg.id)));
    const cells = [link, ecg.date, ecg.leads.map((lead) => lead.name).join(", ")];
    for (const content of cells) {
      const cell = document.createElement("td");
      cell.append(content);
      row.append(cell);
    }
    $("ecg-rows").append(row);
  }
  state.cursor = page.next_cursor;
  $("more").hidden = !page.next_cursor;
  show("ecg-list");
}

function fact(term, value) {
  const dt = document.createElement("dt");
  const dd = document.createElement("dd");
  dt.textContent = term;
  dd.textContent = value;
  $("facts").append(dt, dd);
}

async function openEcg(id) {
  const request = ++latest;
  clearPaper("");
  const path = `/ecgs/${encodeURIComponent(id)}`;
  const [metadata, insights] = await Promise.all([
    call(path).then((r) => r.json()), call(`${path}/insights`).then((r) => r.json()),
  ]);
  if (request !== latest) return;
  state.ecg = metadata;
  state.start = 0;
  $("detail-title").textContent = `ECG ${metadata.id}`;
  $("facts").replaceChildren();
  fact("Date (UTC)", metadata.date);
  fact("Sampling frequency", metadata.sampling_frequency ? `${metadata.sampling_frequency} Hz` : "unknown");
  const rhythm = insights.rhythm;
  fact("Heart rate", rhythm ? `${rhythm.heart_rate_bpm.mean} bpm (${rhythm.classification})` : insights.rhythm_unavailable);
  if (rhythm) {
    const measures = [`mean ${rhythm.rr_ms.mean}`];
    if (rhythm.rr_ms.sdnn !== null) measures.push(`SDNN ${rhythm.rr_ms.sdnn}`);
    if (rhythm.rr_ms.rmssd !== null) measures.push(`RMSSD ${rhythm.rr_ms.rmssd}`);
    fact("RR (ms)", measures.join(", "));
    if (rhythm.variability_unavailable) fact("Variability", rhythm.variability_unavailable);
    // Absent from rhythms analysed before pauses were reported.
    if (rhythm.pauses && rhythm.pauses.count) {
      fact("Pauses over 3 s", `${rhythm.pauses.count}, the longest ${rhythm.pauses.longest_ms} ms`);
    }
  }
  $("lead-rows").replaceChildren();
  metadata.leads.forEach((lead, index) => {
    const quality = insights.leads[index].signal_quality;
    const row = document.createElement("tr");
    const verdict = !quality ? "not judged" : quality.usable ? "usable" : quality.problems.join(", ");
    for (const text of [lead.name, String(lead.number_of_samples), verdict]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (quality && !quality.usable && text === verdict) cell.className = "problem";
      row.append(cell);
    }
    $("lead-rows").append(row);
  });
  show("ecg-detail");
  await drawWindow();
}

function seconds() {
  const ecg = state.ecg;
  if (!ecg.sampling_frequency) return 0;
  return Math.max(...ecg.leads.map((lead) => lead.number_of_samples)) / ecg.sampling_frequency;
}

// The paper image goes before anything else is drawn, so a failed or slow render never leaves
// the previous ECG's or window's tracing on screen.
function clearPaper(caption) {
  const previous = $("paper").src;
  $("paper").removeAttribute("src");
  if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
  $("paper-caption").textContent = caption;
}

async function drawWindow() {
  const request = ++latest;
  const { ecg, start } = state;
  const total = seconds();
  $("earlier").disabled = start <= 0;
  $("later").disabled = start + state.duration >= total;
  $("window").textContent = total ? `${start} s to ${Math.min(total, start + state.duration)} s of ${total.toFixed(1)} s` : "";
  if (!total) { clearPaper("No sampling frequency: the ECG cannot be drawn on paper."); return; }
  clearPaper(`Drawing ${start} s to ${start + state.duration} s...`);
  const query = `?format=svg&start_s=${start}&duration_s=${state.duration}`;
  let blob;
  try {
    blob = await (await call(`/ecgs/${encodeURIComponent(ecg.id)}/render${query}`)).blob();
  } catch (error) {
    if (request === latest) clearPaper(`Not drawn: ${error.message}`);
    throw error;
  }
  if (request !== latest) return;
  $("paper").src = URL.createObjectURL(blob);
  $("paper-caption").textContent = `25 mm/s, 10 mm/mV, from ${start} s.`;
}

// Named after the ECG it was asked for, whatever is open when it arrives.
async function download(kind) {
  const asked = session;
  const ecgId = state.ecg.id;
  const id = encodeURIComponent(ecgId);
  const path = kind === "edf" ? `/ecgs/${id}/export?format=edf` : `/ecgs/${id}/render?format=pdf&start_s=${state.start}`;
  const blob = await (await call(path)).blob();
  if (asked !== session) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${ecgId}.${kind}`;
  document.body.append(link);
  link.click();
  link.remove();
  say(`Downloaded ${link.download}.`);
}

function guarded(action) {
  return (...args) => action(...args).catch((error) => say(error.message));
}

// Nothing of the last account stays in memory or on the page for the next one.
function forget() {
  latest++;
  session++;
  Object.assign(state, { access: null, refresh: null, cursor: null, ecg: null, start: 0 });
  for (const id of ["ecg-rows", "facts", "lead-rows"]) $(id).replaceChildren();
  $("detail-title").textContent = "";
  $("window").textContent = "";
  clearPaper("");
  clearPasswords();
  show("sign-in");
}

async function signOut() {
  await call("/auth/logout", { method: "POST" }).catch(() => {});
  forget();
  say("Signed out.");
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", guarded(signIn));
  $("choose-password-form").addEventListener("submit", guarded(choosePassword));
  $("more").addEventListener("click", guarded(listEcgs));
  $("earlier").addEventListener("click", guarded(async () => { state.start = Math.max(0, state.start - state.duration); await drawWindow(); }));
  $("later").addEventListener("click", guarded(async () => { state.start += state.duration; await drawWindow(); }));
  $("download-edf").addEventListener("click", guarded(() => download("edf")));
  $("download-pdf").addEventListener("click", guarded(() => download("pdf")));
  $("back").addEventListener("click", () => show("ecg-list"));
  $("sign-out").addEventListener("click", guarded(signOut));
  show("sign-in");
});
