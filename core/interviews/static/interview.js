// The candidate's interview page: notice, consent, device check, practice, questions, resumable uploads,
// follow-ups and completion. Plain modern JavaScript, no libraries. Every server string is set with
// textContent, never as HTML. The link token lives in this tab's sessionStorage and travels only in the
// Authorization header. A finished recording is kept in IndexedDB until the server confirms it, so neither a
// network drop nor a reload loses it.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("candor-config").textContent);
  const T = config.text;
  const API = config.api;
  const TOKEN_KEY = "candor.candidate-token";
  const DONE_STATES = new Set(["uploaded", "processing", "analysed"]);
  const LINK_STATUSES = new Set([401, 403, 410]);
  // Smaller chunks lose less on a flaky mobile connection; the server's limit is the ceiling.
  const PREFERRED_CHUNK = 256 * 1024;
  const FOLLOW_UP_WAIT_MS = 60000;
  const POLL_MS = 1500;

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const fmt = (template, values) =>
    template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

  let token = null;
  let interview = null;
  let stream = null;
  let meterTimer = null;
  let storeKey = "";

  // ---------------------------------------------------------------- screens and messages

  function show(id) {
    for (const section of document.querySelectorAll("section.screen")) section.hidden = section.id !== id;
    const heading = document.querySelector(`#${id} [tabindex="-1"]`);
    if (heading) heading.focus({ preventScroll: false });
    status("");
  }

  function status(message) {
    $("status").textContent = message || "";
  }

  function fail(message, retry) {
    $("problem-text").textContent = message;
    const button = $("problem-retry");
    button.hidden = !retry;
    button.onclick = retry || null;
    show("screen-problem");
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, { json, body, headers } = {}) {
    const sent = { Authorization: `Candidate ${token}`, ...(headers || {}) };
    let payload = body;
    if (json !== undefined) {
      sent["Content-Type"] = "application/json";
      payload = JSON.stringify(json);
    }
    const response = await fetch(API + path, {
      method, headers: sent, body: payload, cache: "no-store", credentials: "omit",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    if (!response.ok) {
      // The app's errors carry a code in "error" and the sentence for people in "message".
      const message = (data && (data.message || data.error)) || T.error_generic;
      throw new ApiError(response.status, message, data);
    }
    return data;
  }

  const isNetworkError = (error) => !(error instanceof ApiError) || error.status >= 500 || error.status === 429;

  // Calls that must succeed for the page to go on: retried while the network is down, fatal on a bad link.
  async function must(call) {
    let delay = 1000;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (error instanceof ApiError && LINK_STATUSES.has(error.status)) {
          fail(error.message);
          throw error;
        }
        if (!isNetworkError(error)) throw error;
        status(T.network_error);
        await waitForNetwork(delay);
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  function waitForNetwork(ms) {
    return new Promise((resolve) => {
      const done = () => {
        window.removeEventListener("online", done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener("online", done);
    });
  }

  async function refresh() {
    interview = await must(() => api("GET", "/interview"));
    return interview;
  }

  const contact = () => (interview && interview.organization && interview.organization.contact_email) || "";
  const answered = (question) => Boolean(question.answer && DONE_STATES.has(question.answer.state));

  // ---------------------------------------------------------------- IndexedDB: recordings until confirmed

  let dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("candor-interview", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("recordings", { keyPath: "key" });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  async function store(mode, action) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction("recordings", mode);
      const request = action(transaction.objectStore("recordings"));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  const saveRecording = (record) => store("readwrite", (s) => s.put(record));
  const dropRecording = (key) => store("readwrite", (s) => s.delete(key));
  const pendingRecordings = async () =>
    (await store("readonly", (s) => s.getAll())).filter((r) => r.key.startsWith(`${storeKey}:`));

  async function interviewStoreKey() {
    // Recordings of different links on one device never mix; the key is a digest, not the token itself.
    if (window.crypto && crypto.subtle) {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
      return Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
    }
    return `i${interview.questions.map((q) => q.id).join("-")}`;
  }

  // ---------------------------------------------------------------- uploads

  class Rejected extends Error {}

  function chunkSize() {
    const limit = (interview.limits && interview.limits.chunk_bytes) || PREFERRED_CHUNK;
    return Math.max(1, Math.min(limit, PREFERRED_CHUNK));
  }

  // Sends one recording to the end, whatever the network does; resolves with the server's answer.
  async function upload(record, progress, statusLine) {
    let delay = 1000;
    let offset = null;
    for (;;) {
      try {
        if (!record.answerId) {
          const created = await api("POST", `/questions/${record.questionId}/answers`, {
            json: { mime_type: record.mimeType, total_bytes: record.totalBytes,
              recorded_seconds: record.recordedSeconds },
          });
          record.answerId = created.answer.id;
          await saveRecording(record);
          offset = created.answer.received_bytes || 0;
        }
        if (offset === null) {
          const known = await api("GET", `/answers/${record.answerId}`);
          const answer = known.answer || known;
          if (DONE_STATES.has(answer.state)) return answer;
          if (answer.state === "rejected" || answer.state === "failed") {
            throw new Rejected(answer.error || T.error_generic);
          }
          offset = answer.received_bytes || 0;
        }
        progress.value = offset / record.totalBytes;
        while (offset < record.totalBytes) {
          const end = Math.min(offset + chunkSize(), record.totalBytes);
          const sent = await api("PUT", `/answers/${record.answerId}/content`, {
            body: record.blob.slice(offset, end),
            headers: { "Content-Type": "application/octet-stream",
              "Content-Range": `bytes ${offset}-${end - 1}/${record.totalBytes}` },
          });
          const answer = sent.answer || sent;
          offset = answer.received_bytes;
          progress.value = offset / record.totalBytes;
          delay = 1000;
          statusLine.textContent = "";
          if (offset >= record.totalBytes) return answer;
        }
        offset = null; // everything sent before a drop: ask the server where it stands
      } catch (error) {
        if (error instanceof Rejected) throw error;
        if (error instanceof ApiError) {
          const answer = error.body && error.body.answer;
          if (error.status === 409 && answer && typeof answer.received_bytes === "number" && record.answerId) {
            offset = answer.received_bytes; // the server has a different amount: continue from there
            continue;
          }
          if (error.status === 422 || error.status === 413) throw new Rejected(error.message);
          if (LINK_STATUSES.has(error.status)) {
            fail(error.message);
            throw error;
          }
          if (!isNetworkError(error)) throw new Rejected(error.message);
        }
        offset = null;
        statusLine.textContent = navigator.onLine ? fmt(T.upload_retrying, { s: Math.round(delay / 1000) })
          : T.upload_offline;
        await waitForNetwork(delay);
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  async function resumePending() {
    const pending = await pendingRecordings();
    for (const record of pending) {
      const question = interview.questions.find((q) => q.id === record.questionId);
      if (!question || answered(question)) {
        await dropRecording(record.key);
        continue;
      }
      show("screen-resume");
      try {
        await upload(record, $("resume-progress"), $("resume-status"));
      } catch (error) {
        if (!(error instanceof Rejected)) throw error;
      }
      await dropRecording(record.key);
    }
    if (pending.length) await refresh();
  }

  // ---------------------------------------------------------------- media

  function mediaProblem() {
    const missing = [];
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) missing.push("getUserMedia");
    if (!window.MediaRecorder) missing.push("MediaRecorder");
    if (!window.indexedDB) missing.push("IndexedDB");
    if (missing.length && !window.isSecureContext) return T.device_insecure;
    return missing.length ? fmt(T.device_unsupported, { missing: missing.join(", ") }) : null;
  }

  function deviceMessage(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return T.device_denied;
      case "NotFoundError":
      case "OverconstrainedError":
        return T.device_missing;
      case "NotReadableError":
      case "AbortError":
        return T.device_busy;
      default:
        return T.device_failed;
    }
  }

  async function openDevices() {
    // Auto-gain and noise suppression change the voice the analysis hears; the raw signal is kept.
    const audio = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    const video = interview.needs_video
      ? { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15, max: 30 } } : false;
    return navigator.mediaDevices.getUserMedia({ audio, video });
  }

  function startMeter(mediaStream) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const context = new Context();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(mediaStream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let heard = false;
    if (context.state === "suspended") context.resume().catch(() => {});
    meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const dbfs = 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-8);
      const level = Math.max(0, Math.min(100, ((dbfs + 60) / 60) * 100));
      $("device-level").value = level;
      if (level > 25) heard = true;
      $("device-heard").textContent = heard ? T.device_heard : T.device_silent;
      $("device-continue").hidden = !heard;
    }, 100);
  }

  function recordingType() {
    const wanted = interview.needs_video
      ? ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4;codecs=avc1,mp4a.40.2",
        "video/mp4"]
      : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
    return wanted.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  }

  // Starts recording; returns {stop, done} where done resolves with {blob, mimeType, seconds}.
  function record() {
    const tracks = interview.needs_video ? stream : new MediaStream(stream.getAudioTracks());
    const mimeType = recordingType();
    const options = { audioBitsPerSecond: 64000 };
    if (mimeType) options.mimeType = mimeType;
    if (interview.needs_video) options.videoBitsPerSecond = 600000; // small uploads on phones, enough for 320x240
    const recorder = new MediaRecorder(tracks, options);
    const parts = [];
    const started = performance.now();
    const done = new Promise((resolve, reject) => {
      recorder.ondataavailable = (event) => {
        if (event.data && event.data.size) parts.push(event.data);
      };
      recorder.onstop = () => {
        const type = recorder.mimeType || mimeType || (interview.needs_video ? "video/webm" : "audio/webm");
        resolve({ blob: new Blob(parts, { type }), mimeType: type, seconds: (performance.now() - started) / 1000 });
      };
      recorder.onerror = (event) => reject(event.error || new Error("recording failed"));
    });
    recorder.start(1000);
    return { stop: () => recorder.state !== "inactive" && recorder.stop(), done };
  }

  // Counts down `seconds`, showing mm:ss; resolves when it runs out or when `until` resolves.
  function countdown(seconds, timer, bar, until) {
    const started = performance.now();
    const label = (left) => {
      const whole = Math.ceil(left);
      return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
    };
    timer.textContent = label(seconds);
    bar.value = 0;
    return new Promise((resolve) => {
      const tick = setInterval(() => {
        const elapsed = (performance.now() - started) / 1000;
        const left = Math.max(0, seconds - elapsed);
        timer.textContent = label(left);
        bar.value = Math.min(1, elapsed / seconds);
        if (left <= 0) finish();
      }, 200);
      function finish() {
        clearInterval(tick);
        resolve();
      }
      until.then(finish);
    });
  }

  function clicked(button) {
    return new Promise((resolve) => button.addEventListener("click", resolve, { once: true }));
  }

  // ---------------------------------------------------------------- 1-2: notice and consent

  function renderNotice(text, into) {
    into.replaceChildren();
    let list = null;
    for (const raw of text.split("\n")) {
      const line = raw.trimEnd();
      if (!line.trim()) {
        list = null;
        continue;
      }
      let element;
      if (line.startsWith("## ")) {
        element = document.createElement("h4");
        element.textContent = line.slice(3);
      } else if (line.startsWith("# ")) {
        element = document.createElement("h3");
        element.textContent = line.slice(2);
      } else if (line.startsWith("- ")) {
        if (!list) {
          list = document.createElement("ul");
          into.append(list);
        }
        const item = document.createElement("li");
        item.textContent = line.slice(2);
        list.append(item);
        continue;
      } else if (line.startsWith("  ") && list && list.lastChild) {
        const detail = document.createElement("p");
        detail.className = "help";
        detail.textContent = line.trim();
        list.lastChild.append(detail);
        continue;
      } else {
        element = document.createElement("p");
        element.textContent = line;
      }
      list = null;
      into.append(element);
    }
  }

  async function noticeAndConsent() {
    const notice = await must(() => api("GET", `/notice?lang=${encodeURIComponent(config.lang)}`));
    renderNotice(notice.text, $("notice-text"));
    show("screen-notice");
    await clicked($("notice-continue"));

    const box = $("consent-purposes");
    box.replaceChildren();
    for (const offered of notice.purposes) {
      const row = document.createElement("div");
      row.className = offered.separate ? "choice separate" : "choice";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = `consent-${offered.purpose}`;
      input.name = offered.purpose;
      input.checked = false; // consent is never pre-ticked
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = offered.text;
      if (offered.separate) {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = T.consent_separate;
        label.append(" ", tag);
      }
      row.append(input, label);
      box.append(row);
    }
    const alternative = $("alternative-process");
    $("alternative-help").textContent = fmt(T.consent_alternative_help, { contact: contact() });
    const aiPurposes = ["ai_evaluation", "biometric_analysis"];
    alternative.onchange = () => {
      for (const purpose of aiPurposes) {
        const input = $(`consent-${purpose}`);
        if (!input) continue;
        if (alternative.checked) input.checked = false;
        input.disabled = alternative.checked;
      }
    };
    show("screen-consent");

    const form = $("consent-form");
    const declineAll = $("consent-decline-all");
    for (;;) {
      const everything = await new Promise((resolve) => {
        form.onsubmit = (event) => {
          event.preventDefault();
          resolve(false);
        };
        declineAll.onclick = () => resolve(true);
      });
      const decisions = {};
      for (const offered of notice.purposes) {
        decisions[offered.purpose] = !everything && $(`consent-${offered.purpose}`).checked;
      }
      status(T.consent_saving);
      try {
        await must(() => api("POST", "/consent", { json: {
          notice_hash: notice.hash, language: notice.language, decisions,
          alternative_process: !everything && alternative.checked,
        } }));
      } catch (error) {
        if (error instanceof ApiError && !LINK_STATUSES.has(error.status)) {
          status(error.message); // e.g. the notice changed: the candidate reads and decides again
          if (error.status === 409) return noticeAndConsent();
          continue;
        }
        throw error;
      }
      const offered = notice.purposes.map((p) => p.purpose);
      if (everything || (offered.includes("recruitment") && !decisions.recruitment)) {
        $("declined-text").textContent = fmt(T.declined_text, { contact: contact() });
        show("screen-declined");
        return false;
      }
      await refresh();
      return true;
    }
  }

  // ---------------------------------------------------------------- 3: device check

  async function deviceCheck() {
    show("screen-device");
    const problem = mediaProblem();
    const message = $("device-problem");
    if (problem) {
      message.textContent = problem;
      message.hidden = false;
      $("device-start").hidden = true;
      return new Promise(() => {}); // nothing more this browser can do
    }
    for (;;) {
      await clicked($("device-start"));
      message.hidden = true;
      try {
        stream = await openDevices();
        break;
      } catch (error) {
        message.textContent = deviceMessage(error);
        message.hidden = false;
        $("device-start").textContent = T.retry;
      }
    }
    $("device-start").hidden = true;
    for (const id of ["device-preview", "practice-live", "question-live"]) {
      $(id).srcObject = stream;
      $(id).hidden = !interview.needs_video;
    }
    startMeter(stream);
    await clicked($("device-continue"));
  }

  // ---------------------------------------------------------------- 4: practice, never uploaded

  async function practice() {
    show("screen-practice");
    const recordButton = $("practice-record");
    const stopButton = $("practice-stop");
    const playback = $("practice-playback");
    let url = null;
    for (;;) {
      const choice = await Promise.race([
        clicked(recordButton).then(() => "record"),
        clicked($("practice-skip")).then(() => "skip"),
        clicked($("practice-done")).then(() => "done"),
      ]);
      if (choice !== "record") break;
      recordButton.hidden = true;
      stopButton.hidden = false;
      playback.hidden = true;
      $("practice-timer").hidden = false;
      const take = record();
      const bar = document.createElement("progress");
      await countdown(30, $("practice-timer"), bar, clicked(stopButton));
      take.stop();
      const { blob } = await take.done;
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      playback.src = url;
      playback.hidden = false;
      stopButton.hidden = true;
      $("practice-timer").hidden = true;
      recordButton.textContent = T.practice_again;
      recordButton.hidden = false;
      $("practice-done").hidden = false;
      $("practice-skip").hidden = true;
    }
    playback.pause();
    playback.removeAttribute("src");
    if (url) URL.revokeObjectURL(url);
  }

  // ---------------------------------------------------------------- 5-7: questions, uploads, follow-ups

  function nextQuestion() {
    const byId = interview.questions.find((q) => q.id === interview.next_question_id);
    if (byId && !answered(byId)) return byId;
    return [...interview.questions].sort((a, b) => a.position - b.position || a.step - b.step)
      .find((q) => !answered(q)) || null;
  }

  async function askQuestion(question) {
    const ordered = [...interview.questions].sort((a, b) => a.position - b.position || a.step - b.step);
    show("screen-question");
    $("question-counter").textContent = fmt(T.question_counter,
      { n: ordered.indexOf(question) + 1, total: ordered.length });
    $("question-kind").hidden = !question.follow_up_of;
    $("question-text").textContent = question.text;
    $("question-counter").focus();
    for (const id of ["answer-panel", "upload-panel"]) $(id).hidden = true;
    if (question.answer && (question.answer.state === "rejected" || question.answer.state === "failed")) {
      status(question.answer.error || "");
    }

    for (;;) {
      $("think-panel").hidden = false;
      await countdown(question.think_seconds || 0, $("think-timer"), $("think-progress"), clicked($("answer-now")));
      $("think-panel").hidden = true;

      $("answer-panel").hidden = false;
      const take = record();
      await countdown(question.answer_seconds, $("answer-timer"), $("answer-progress"), clicked($("answer-stop")));
      take.stop();
      const { blob, mimeType, seconds } = await take.done;
      $("answer-panel").hidden = true;

      const recordEntry = {
        key: `${storeKey}:${question.id}`, questionId: question.id, answerId: null, blob, mimeType,
        totalBytes: blob.size, recordedSeconds: Math.round(seconds * 10) / 10, savedAt: Date.now(),
      };
      await saveRecording(recordEntry); // before anything goes on the network: a reload keeps it
      $("upload-panel").hidden = false;
      $("question-next").hidden = true;
      $("record-again").hidden = true;
      $("upload-status").textContent = "";
      let answer = null;
      let rejected = null;
      try {
        answer = await upload(recordEntry, $("upload-progress"), $("upload-status"));
      } catch (error) {
        if (!(error instanceof Rejected)) throw error;
        rejected = error.message;
      }
      await dropRecording(recordEntry.key);

      const again = $("record-again");
      if (rejected) {
        await refresh();
        const now = interview.questions.find((q) => q.id === question.id);
        if (now && answered(now)) {
          // Refused as a retake (none left): the earlier answer stands and the interview goes on.
          $("upload-status").textContent = rejected;
          $("question-next").hidden = false;
          await clicked($("question-next"));
          $("upload-panel").hidden = true;
          return;
        }
        $("upload-status").textContent = fmt(T.upload_rejected, { message: rejected });
        again.textContent = T.record_again_rejected;
        again.hidden = false;
        await clicked(again);
        $("upload-panel").hidden = true;
        continue;
      }
      $("upload-status").textContent = T.upload_done;
      const left = (question.max_retakes || 0) - ((answer.attempt || 1) - 1);
      again.hidden = left <= 0;
      again.textContent = fmt(T.record_again, { n: left });
      $("question-next").hidden = false;
      $("question-next").focus();
      const choice = await Promise.race([
        clicked($("question-next")).then(() => "next"),
        clicked(again).then(() => "again"),
      ]);
      $("upload-panel").hidden = true;
      if (choice === "next") return;
    }
  }

  async function waitForFollowUps() {
    await refresh();
    const deadline = Date.now() + FOLLOW_UP_WAIT_MS;
    if (interview.follow_up_pending) show("screen-waiting");
    while (interview.follow_up_pending && Date.now() < deadline) {
      await sleep(POLL_MS);
      await refresh();
    }
  }

  // ---------------------------------------------------------------- 8: completion

  function finished() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    if (meterTimer) clearInterval(meterTimer);
    const link = $("done-withdraw");
    link.href = `/candidate/withdraw?t=${encodeURIComponent(token)}`;
    $("done-contact").textContent = contact() ? fmt(T.done_contact, { contact: contact() }) : "";
    $("done-alternative").hidden = !(interview.consent && interview.consent.ai_opt_out);
    show("screen-done");
  }

  async function complete() {
    show("screen-complete");
    try {
      await must(() => api("POST", "/complete"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        status(error.message);
        await refresh();
        return false; // a question still waits for its answer
      }
      throw error;
    }
    await refresh();
    return true;
  }

  // ---------------------------------------------------------------- the whole visit

  function takeToken() {
    const params = new URLSearchParams(window.location.search);
    const fromLink = params.get("t");
    if (fromLink) {
      sessionStorage.setItem(TOKEN_KEY, fromLink);
      params.delete("t");
      params.set("lang", config.lang); // a reload keeps the language the link chose
      history.replaceState(null, "", `${window.location.pathname}?${params}`);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function fillHeader() {
    if (interview.job && interview.job.title) {
      $("job-title").textContent = interview.job.title;
      document.title = `${interview.job.title} · ${T.page_title}`;
    }
    $("org-name").textContent = (interview.organization && interview.organization.name) || "";
  }

  async function main() {
    token = takeToken();
    if (config.linkProblem) return fail(config.linkProblem);
    if (!token) return fail(T.no_token);
    await refresh();
    fillHeader();
    storeKey = await interviewStoreKey();
    if (interview.complete) return finished();
    await resumePending();
    if (!interview.consent || !interview.consent.decided) {
      if (!(await noticeAndConsent())) return undefined;
    }
    if (interview.complete) return finished();
    await deviceCheck();
    if (!interview.questions.some(answered)) await practice();
    for (;;) {
      const question = nextQuestion();
      if (!question) {
        if (await complete()) return finished();
        if (!nextQuestion()) return fail(T.error_generic, () => window.location.reload());
        continue;
      }
      await askQuestion(question);
      await waitForFollowUps();
    }
  }

  main().catch((error) => {
    if (!$("screen-problem").hidden) return; // already explained
    fail(error instanceof ApiError ? error.message : T.error_generic, () => window.location.reload());
  });
})();
