/*
 * The inspector's page (trang thanh tra): find a case by its id or by an exact personal ID
 * number, then show its timeline, its state on a date, what changed between two dates and
 * the inspection findings.
 *
 * Rules this script keeps:
 * - The access token lives in this tab's sessionStorage only, and goes out as a bearer token.
 * - A personal ID number is sent in a POST body (cases/lookup), never in an address, and is
 *   never stored; nothing lists people: a case is shown only after an exact lookup.
 * - Text from the server is put on the page with textContent, never parsed as HTML.
 * - Addresses are relative, so the page works behind a proxy that adds a path prefix.
 */
"use strict";

(() => {
  const TOKEN_KEY = "btxh.inspector.token";
  const UNAUTHORIZED = "Mã truy cập không hợp lệ hoặc đã hết hạn";
  const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const PERSONAL_ID = /^(\d{12}|\d{9})$/;
  const DASH = "—";

  /** Vietnamese names of codes, from inspector/labels.json (codes are shown if it fails). */
  let labels = {
    events: {},
    statuses: {},
    benefits: {},
    authorities: {},
    cessation_reasons: {},
    fields: {},
    roles: {},
    channels: {},
    sources: {},
  };

  /** The case on screen; answers for an earlier case are dropped when they arrive late. */
  let currentCase = null;
  let checksPromise = null;
  let labelsLoaded = Promise.resolve();
  let pending = 0;

  const $ = (id) => document.getElementById(id);

  /** An element with attributes (`data-*` included) and children (strings become text). */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // ---- errors and progress -------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  const shown = new Set();

  function clearError() {
    shown.clear();
    $("error").replaceChildren();
    $("error").hidden = true;
  }

  /** Adds a message to the error box (several loads may fail at once; each says it once). */
  function showError(error) {
    const message = error instanceof ApiError ? error.message : `Lỗi trên trang: ${error}`;
    if (!(error instanceof ApiError)) console.error(error);
    if (shown.has(message)) return;
    shown.add(message);
    $("error").append(el("p", {}, message));
    $("error").hidden = false;
  }

  function busy(delta) {
    pending += delta;
    $("status").textContent = pending > 0 ? "Đang tải…" : "";
    document.body.dataset.busy = pending > 0 ? "true" : "false";
  }

  /** What the API said was wrong: its `detail`, a string or FastAPI's list of problems. */
  function describe(payload) {
    if (!payload || typeof payload !== "object") return "";
    const detail = payload.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((problem) =>
          problem && typeof problem === "object"
            ? `${(problem.loc || []).join(".")}: ${problem.msg}`
            : String(problem),
        )
        .join("; ");
    }
    return typeof payload.error === "string" ? payload.error : "";
  }

  // ---- the API -------------------------------------------------------------------------

  function token() {
    return $("token").value.trim();
  }

  /** Calls the reporting API with the bearer token; the JSON answer, or an ApiError.
   * `headers`, when given, receives the answer's headers. */
  async function api(path, { method = "GET", body, headers: answerHeaders } = {}) {
    const bearer = token();
    if (!bearer) {
      throw new ApiError("Chưa có mã truy cập: dán mã truy cập (JWT) vào ô “Mã truy cập”.", 0);
    }
    const headers = { Accept: "application/json", Authorization: `Bearer ${bearer}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    busy(+1);
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (error) {
      throw new ApiError("Không kết nối được với máy chủ. Kiểm tra mạng rồi thử lại.", 0);
    } finally {
      busy(-1);
    }
    const text = await response.text();
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch (error) {
      payload = null;
    }
    if (response.ok) {
      if (answerHeaders) answerHeaders.headers = response.headers;
      return payload;
    }
    const detail = describe(payload);
    if (response.status === 401) {
      throw new ApiError(detail ? `${UNAUTHORIZED} (${detail})` : UNAUTHORIZED, 401);
    }
    if (response.status === 403) {
      const refused = "Mã truy cập này không có quyền xem nội dung này";
      throw new ApiError(detail ? `${refused}: ${detail}` : refused, 403);
    }
    if (detail) throw new ApiError(detail, response.status);
    if (response.status === 404) throw new ApiError("Không tìm thấy.", 404);
    throw new ApiError(`Máy chủ báo lỗi (HTTP ${response.status}). Thử lại sau.`, response.status);
  }

  /** The inspection checks (cached for the token in use; asked again after a failure). */
  function checks() {
    if (!checksPromise) {
      checksPromise = api("checks").catch((error) => {
        checksPromise = null;
        throw error;
      });
    }
    return checksPromise;
  }

  const path = (...parts) => parts.map(encodeURIComponent).join("/");

  // ---- formatting ----------------------------------------------------------------------

  const pad = (n) => String(n).padStart(2, "0");

  function isoToday() {
    const now = new Date();
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  /** "2024-06-03" -> "03/06/2024"; "2024-06" -> "06/2024"; anything else unchanged. */
  function day(text) {
    const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (full) return `${full[3]}/${full[2]}/${full[1]}`;
    const month = /^(\d{4})-(\d{2})$/.exec(text);
    if (month) return `${month[2]}/${month[1]}`;
    return text;
  }

  /** An instant in Vietnam's time (UTC+7 all year), "03/06/2024 14:05". */
  function instant(iso) {
    const time = new Date(iso);
    if (Number.isNaN(time.getTime())) return iso || DASH;
    const vn = new Date(time.getTime() + 7 * 3600 * 1000);
    return (
      `${pad(vn.getUTCDate())}/${pad(vn.getUTCMonth() + 1)}/${vn.getUTCFullYear()} ` +
      `${pad(vn.getUTCHours())}:${pad(vn.getUTCMinutes())}`
    );
  }

  function timeOf(iso) {
    return el("time", { datetime: iso, title: iso }, instant(iso));
  }

  /** Integer VND: 500000 -> "500.000 đ". */
  function money(amount) {
    const sign = amount < 0 ? "-" : "";
    const digits = String(Math.abs(Math.trunc(amount))).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return `${sign}${digits} đ`;
  }

  const isMoney = (key) =>
    /(^|_)amount$/.test(key) || key === "standard_level" || /_vnd$/.test(key);

  const CODE_LISTS = {
    status: "statuses",
    benefit: "benefits",
    authority: "authorities",
    cessation_reason: "cessation_reasons",
    channel: "channels",
    source: "sources",
    actor_role: "roles",
  };

  function fieldLabel(key) {
    return labels.fields[key] || key;
  }

  function eventLabel(type) {
    const short = String(type || "").split(".").pop();
    return labels.events[short] || type || DASH;
  }

  /** A value of a case's state, of an event's facts or of a finding, as text to read. */
  function text(key, value) {
    if (value === null || value === undefined || value === "") return DASH;
    if (typeof value === "boolean") return value ? "Có" : "Không";
    if (typeof value === "number") return isMoney(key) ? money(value) : String(value);
    if (typeof value === "string") {
      const list = CODE_LISTS[key];
      const named = list && labels[list][value];
      if (named) return `${named} (${value})`;
      if (key.endsWith("type") && value.startsWith("vn.btxh.")) return eventLabel(value);
      if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return instant(value);
      return day(value);
    }
    if (Array.isArray(value)) {
      return value.length ? value.map((item) => text(key, item)).join("; ") : DASH;
    }
    if (typeof value === "object") {
      if ("code" in value && "scheme" in value) {
        const name = value.name ? `${value.name} – ` : "";
        return `${name}mã ${value.code} (${value.scheme})`;
      }
      const parts = Object.entries(value).map(([k, v]) => `${fieldLabel(k)}: ${text(k, v)}`);
      return parts.length ? parts.join("; ") : DASH;
    }
    return String(value);
  }

  /** A definition list of an object's keys and values. */
  function facts(object, skip = []) {
    const list = el("dl");
    const entries = object || {};
    for (const [key, value] of Object.entries(entries)) {
      if (skip.includes(key)) continue;
      // The API names some codes itself ("category" and "category_label"): one line for both.
      if (key.endsWith("_label") && key.slice(0, -"_label".length) in entries) continue;
      const named = entries[`${key}_label`];
      const shownValue = typeof named === "string" ? `${named} (${value})` : text(key, value);
      list.append(el("dt", { title: key }, fieldLabel(key)));
      list.append(el("dd", { "data-field": key }, shownValue));
    }
    return list;
  }

  // ---- the token -----------------------------------------------------------------------

  function tokenChanged() {
    const value = token();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    checksPromise = null;
  }

  function clearToken() {
    $("token").value = "";
    tokenChanged();
    fillCheckSelect();
  }

  // ---- finding a case ------------------------------------------------------------------

  async function find(event) {
    event.preventDefault();
    clearError();
    $("case-choices-box").hidden = true;
    $("case-choices").replaceChildren();
    const caseId = $("case-id").value.trim().toLowerCase();
    const personalId = $("personal-id").value.replace(/\s+/g, "");
    if (caseId && personalId) {
      showError(new ApiError("Chỉ nhập một trong hai: mã hồ sơ hoặc số định danh cá nhân.", 0));
      return;
    }
    if (!caseId && !personalId) {
      showError(new ApiError("Nhập mã hồ sơ hoặc số định danh cá nhân để tra cứu.", 0));
      return;
    }
    if (caseId) {
      if (!CASE_ID.test(caseId)) {
        showError(
          new ApiError(
            "Mã hồ sơ không đúng dạng: 32 chữ số hệ 16 dạng xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.",
            0,
          ),
        );
        return;
      }
      await openCase(caseId);
      return;
    }
    if (!PERSONAL_ID.test(personalId)) {
      showError(
        new ApiError(
          "Số định danh cá nhân gồm 12 chữ số (hoặc 9 chữ số nếu là số CMND cũ).",
          0,
        ),
      );
      return;
    }
    try {
      const found = await api("cases/lookup", {
        method: "POST",
        body: { personal_id: personalId },
      });
      const caseIds = (found && found.case_ids) || [];
      if (caseIds.length === 0) {
        showError(new ApiError("Không tìm thấy hồ sơ nào với số định danh này.", 404));
      } else if (caseIds.length === 1) {
        await openCase(caseIds[0]);
      } else {
        offerChoices(caseIds);
      }
    } catch (error) {
      showError(error);
    }
  }

  function offerChoices(caseIds) {
    $("case-choices").replaceChildren(...caseIds.map((caseId) => el("li", {}, caseButton(caseId))));
    $("case-choices-box").hidden = false;
  }

  /** Clicks on any "open this case" button (lookup choices, findings of a check). */
  function openClicked(event) {
    const button = event.target.closest("button.open-case");
    if (!button) return;
    clearError();
    openCase(button.dataset.caseId);
    $("case").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // ---- one case ------------------------------------------------------------------------

  async function openCase(caseId) {
    currentCase = caseId;
    await labelsLoaded;
    if (!stillShowing(caseId)) return;
    $("case").hidden = false;
    $("case").dataset.caseId = caseId;
    $("current-case").textContent = caseId;
    $("timeline").querySelector("tbody").replaceChildren();
    $("timeline-empty").hidden = true;
    showIntegrity(null, "");
    $("state").replaceChildren();
    delete $("state").dataset.on;
    $("diff").hidden = true;
    $("diff").querySelector("tbody").replaceChildren();
    $("diff-none").hidden = true;
    $("diff-events-box").hidden = true;
    $("diff-events").replaceChildren();
    $("findings").replaceChildren();
    delete $("findings").dataset.loaded;
    await Promise.all([loadTimeline(caseId), loadState(caseId), loadFindings(caseId)]);
  }

  const stillShowing = (caseId) => currentCase === caseId;

  async function loadTimeline(caseId) {
    try {
      const answer = {};
      const entries = await api(path("cases", caseId, "timeline"), { headers: answer });
      if (!stillShowing(caseId)) return;
      const rows = (entries || []).map(timelineRow);
      $("timeline").querySelector("tbody").replaceChildren(...rows);
      $("timeline-empty").hidden = rows.length > 0;
      showIntegrity(
        answer.headers.get("X-History-Verified"),
        answer.headers.get("X-History-Integrity") || "",
      );
    } catch (error) {
      if (stillShowing(caseId)) showError(error);
    }
  }

  /** Whether the case's history verified (its hash chain): said above the timeline, so an
   * inspector knows whether the entries below are as they were recorded. A deleted entry
   * cannot be marked in the table: only this line can say so. */
  function showIntegrity(verified, detail) {
    const line = $("timeline-integrity");
    line.classList.remove("verified", "broken");
    delete line.dataset.verified;
    if (verified !== "true" && verified !== "false") {
      line.replaceChildren();
      line.hidden = true;
      return;
    }
    line.dataset.verified = verified;
    if (verified === "true") {
      line.classList.add("verified");
      line.replaceChildren(
        "✓ Lịch sử hồ sơ đã được kiểm tra toàn vẹn: không sự kiện nào bị sửa hay bị xóa" +
          " kể từ khi được ghi nhận.",
      );
    } else {
      line.classList.add("broken");
      line.replaceChildren(
        "⚠ Lịch sử hồ sơ KHÔNG toàn vẹn: có sự kiện đã bị sửa hoặc bị xóa sau khi được ghi" +
          " nhận (các dòng tô đỏ). Không dựa vào các dòng này; báo ngay cho quản trị hệ thống.",
        detail ? el("span", { className: "code" }, detail) : null,
      );
    }
    line.hidden = false;
  }

  function timelineRow(entry) {
    const role = labels.roles[entry.actor_role] || entry.actor_role;
    const unit = entry.actor_unit ? `, đơn vị ${entry.actor_unit}` : "";
    const authorityName = entry.authority_label || labels.authorities[entry.authority];
    const authority = entry.authority
      ? el(
          "span",
          {},
          authorityName || entry.authority,
          authorityName && authorityName !== entry.authority
            ? el("span", { className: "code" }, entry.authority)
            : null,
        )
      : DASH;
    const basis = entry.legal_basis && entry.legal_basis.length
      ? el("ul", {}, entry.legal_basis.map((item) => el("li", {}, item)))
      : DASH;
    const details = el(
      "details",
      {},
      el("summary", {}, "Chi tiết"),
      facts(entry.summary),
      el(
        "dl",
        {},
        el("dt", {}, "Nguồn"),
        el("dd", {}, text("source", entry.source)),
        el("dt", {}, "Loại sự kiện"),
        el("dd", {}, entry.type),
        el("dt", {}, "Mã thông điệp"),
        el("dd", {}, entry.message_id || DASH),
      ),
    );
    const unverified = entry.verified === false;
    return el(
      "tr",
      {
        "data-type": entry.type,
        "data-message-id": entry.message_id,
        "data-verified": String(entry.verified),
        className: unverified ? "unverified" : null,
      },
      el("td", { className: "nowrap" }, timeOf(entry.recorded_at)),
      el("td", { className: "nowrap" }, entry.effective_on ? day(entry.effective_on) : DASH),
      el(
        "td",
        { className: "event" },
        unverified
          ? el(
              "span",
              { className: "unverified-mark" },
              "⚠ Không toàn vẹn: có thể đã bị sửa sau khi ghi nhận",
            )
          : null,
        entry.label || eventLabel(entry.type),
        el("span", { className: "code" }, entry.type),
      ),
      el(
        "td",
        {},
        entry.actor_id || DASH,
        el("span", { className: "code" }, `${role || ""}${unit}`),
      ),
      el("td", {}, authority),
      el("td", {}, entry.decision_number || DASH),
      el("td", {}, basis),
      el("td", { className: "details" }, details),
    );
  }

  /** The state's keys in reading order: status and person, the register's fields, the rest. */
  function stateKeys(state) {
    const skip = new Set(["case_id", "on"]);
    const first = ["status", "full_name", "date_of_birth", "person_id"];
    const keys = [...first, ...Object.keys(labels.fields), ...Object.keys(state)];
    const seen = new Set();
    return keys.filter((key) => {
      if (seen.has(key) || skip.has(key) || key.endsWith("_label") || !(key in state)) return false;
      seen.add(key);
      return true;
    });
  }

  async function loadState(caseId) {
    const on = $("state-on").value || isoToday();
    const list = $("state");
    list.replaceChildren();
    delete list.dataset.on;
    try {
      const state = await api(`${path("cases", caseId, "state")}?on=${encodeURIComponent(on)}`);
      if (!stillShowing(caseId) || ($("state-on").value || isoToday()) !== on) return;
      for (const key of stateKeys(state || {})) {
        const value = state[key];
        const label = state[`${key}_label`];
        const shownValue = label
          ? el("span", {}, label, value ? el("span", { className: "code" }, String(value)) : null)
          : text(key, value);
        list.append(el("dt", { title: key }, fieldLabel(key)));
        const scalar = value === null || typeof value !== "object" ? value : null;
        list.append(el("dd", { "data-field": key, "data-value": scalar }, shownValue));
      }
      list.dataset.on = on;
    } catch (error) {
      if (stillShowing(caseId)) showError(error);
    }
  }

  async function showState(event) {
    event.preventDefault();
    clearError();
    if (!currentCase) {
      showError(new ApiError("Chưa chọn hồ sơ: tra cứu một hồ sơ trước.", 0));
      return;
    }
    await loadState(currentCase);
    // The date just looked at is the natural start of a comparison.
    $("diff-from").value = $("state-on").value;
  }

  async function showDiff(event) {
    event.preventDefault();
    clearError();
    const caseId = currentCase;
    const from = $("diff-from").value;
    const to = $("diff-to").value;
    if (!caseId) {
      showError(new ApiError("Chưa chọn hồ sơ: tra cứu một hồ sơ trước.", 0));
      return;
    }
    if (!from || !to) {
      showError(new ApiError("Chọn cả hai ngày để so sánh.", 0));
      return;
    }
    const table = $("diff");
    table.hidden = true;
    $("diff-none").hidden = true;
    table.querySelector("tbody").replaceChildren();
    $("diff-events-box").hidden = true;
    $("diff-events").replaceChildren();
    try {
      const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      const diff = await api(`${path("cases", caseId, "diff")}?${query}`);
      if (!stillShowing(caseId)) return;
      const changes = (diff && diff.changes) || [];
      $("diff-from-shown").textContent = day(diff.from || from);
      $("diff-to-shown").textContent = day(diff.to || to);
      table.querySelector("tbody").replaceChildren(
        ...changes.map((change) =>
          el(
            "tr",
            { "data-field": change.field },
            el(
              "th",
              { scope: "row", title: change.field },
              change.label || fieldLabel(change.field),
            ),
            el("td", { className: "before" }, text(change.field, change.before)),
            el("td", { className: "after" }, text(change.field, change.after)),
          ),
        ),
      );
      table.hidden = changes.length === 0;
      $("diff-none").hidden = changes.length > 0;
      const events = (diff && diff.events) || [];
      $("diff-events").replaceChildren(
        ...events.map((entry) =>
          el(
            "li",
            { "data-type": entry.type },
            entry.effective_on ? `${day(entry.effective_on)}: ` : "",
            entry.label || eventLabel(entry.type),
            entry.decision_number ? ` (quyết định số ${entry.decision_number})` : "",
          ),
        ),
      );
      $("diff-events-box").hidden = events.length === 0;
    } catch (error) {
      showError(error);
    }
  }

  // ---- findings ------------------------------------------------------------------------

  /** A case id that opens the case when clicked. */
  function caseButton(caseId) {
    const attributes = { type: "button", className: "link open-case", "data-case-id": caseId };
    return el("button", attributes, caseId);
  }

  /** The events that prove a finding; one of another case (the same person's) opens it. */
  function evidenceList(evidence, caseId) {
    if (!evidence || evidence.length === 0) return null;
    return el(
      "ul",
      { className: "evidence" },
      evidence.map((item) => {
        const other = item.case_id && item.case_id !== caseId;
        const where = [item.source, item.originator_id, item.version].filter((x) => x != null);
        return el(
          "li",
          {
            "data-message-id": item.message_id,
            title: [item.type, item.message_id && `Mã thông điệp ${item.message_id}`, ...where]
              .filter(Boolean)
              .join(" · "),
          },
          item.recorded_at ? timeOf(item.recorded_at) : null,
          item.recorded_at ? " – " : null,
          eventLabel(item.type),
          other ? " – hồ sơ " : null,
          other ? caseButton(item.case_id) : null,
        );
      }),
    );
  }

  /** The facts of a finding beyond its case, summary and evidence, folded away. */
  function findingDetails(finding) {
    const { case_id: _case, summary: _summary, evidence: _evidence, details, ...rest } = finding;
    const all = { ...rest, ...(details && typeof details === "object" ? details : {}) };
    if (Object.keys(all).length === 0) return null;
    return el("details", {}, el("summary", {}, "Chi tiết"), facts(all));
  }

  async function loadFindings(caseId) {
    const box = $("findings");
    let known;
    try {
      known = await checks();
    } catch (error) {
      if (stillShowing(caseId)) showError(error);
      return;
    }
    const results = await Promise.allSettled(
      (known || []).map((check) =>
        api(`${path("checks", check.code)}?case_id=${encodeURIComponent(caseId)}`),
      ),
    );
    if (!stillShowing(caseId)) return;
    let total = 0;
    const blocks = (known || []).map((check, index) => {
      const result = results[index];
      const block = el("div", { className: "check", "data-check": check.code });
      if (result.status === "rejected") {
        showError(result.reason);
        block.append(
          el("h4", {}, check.title || check.code),
          el("p", { className: "hint" }, `Không kiểm tra được: ${result.reason.message}`),
        );
        return block;
      }
      const found = (result.value && result.value.findings) || [];
      const counted = result.value && result.value.total;
      const count = Number.isInteger(counted) ? counted : found.length;
      total += count;
      block.dataset.count = String(count);
      block.append(
        el(
          "h4",
          { title: check.description || null },
          check.title || check.code,
          el("span", { className: count ? "count some" : "count" }, count),
        ),
      );
      if (found.length) {
        block.append(
          el(
            "ul",
            {},
            found.map((finding) =>
              el(
                "li",
                { className: "finding" },
                finding.summary || DASH,
                evidenceList(finding.evidence, caseId),
                findingDetails(finding),
              ),
            ),
          ),
        );
      }
      return block;
    });
    const headline = total
      ? `Có ${total} phát hiện trong ${known.length} nội dung kiểm tra.`
      : `Không có phát hiện nào trong ${known.length} nội dung kiểm tra.`;
    box.replaceChildren(el("p", {}, headline), ...blocks);
    box.dataset.loaded = "true";
    box.dataset.total = String(total);
  }

  async function fillCheckSelect() {
    const select = $("check-select");
    if (!token()) {
      select.replaceChildren(el("option", { value: "" }, "– Nhập mã truy cập để tải danh sách –"));
      return;
    }
    try {
      const known = (await checks()) || [];
      const chosen = select.value;
      select.replaceChildren(
        el("option", { value: "" }, "– Chọn nội dung kiểm tra –"),
        ...known.map((check) =>
          el(
            "option",
            { value: check.code, title: check.description || null },
            check.title || check.code,
          ),
        ),
      );
      if (known.some((check) => check.code === chosen)) select.value = chosen;
    } catch (error) {
      showError(error);
    }
  }

  const PAGE = 100;
  /** The check on screen in the "across cases" section: {code, on, commune, offset}. */
  let checkQuery = null;

  async function showCheck(event) {
    event.preventDefault();
    clearError();
    const code = $("check-select").value;
    const commune = $("check-commune").value.trim();
    if (!code) {
      showError(new ApiError("Chọn một nội dung kiểm tra.", 0));
      return;
    }
    if (commune && !/^\d{5}$/.test(commune)) {
      showError(new ApiError("Mã xã gồm 5 chữ số (hoặc để trống để xem mọi xã).", 0));
      return;
    }
    await runCheck({ code, on: $("check-on").value || isoToday(), commune, offset: 0 });
  }

  async function turnPage(step) {
    if (!checkQuery) return;
    clearError();
    await runCheck({ ...checkQuery, offset: Math.max(0, checkQuery.offset + step * PAGE) });
  }

  async function runCheck(query) {
    checkQuery = query;
    const box = $("check-findings");
    box.replaceChildren();
    delete box.dataset.loaded;
    $("check-pages").hidden = true;
    const params = new URLSearchParams({
      on: query.on,
      limit: String(PAGE),
      offset: String(query.offset),
    });
    if (query.commune) params.set("commune", query.commune);
    try {
      const result = await api(`${path("checks", query.code)}?${params}`);
      if (checkQuery !== query) return;
      const found = (result && result.findings) || [];
      const total = Number.isInteger(result && result.total) ? result.total : found.length;
      const rows = found.map((finding) =>
        el(
          "tr",
          { "data-case-id": finding.case_id },
          el("td", {}, caseButton(finding.case_id)),
          el("td", {}, finding.commune || DASH),
          el("td", {}, finding.summary || DASH, findingDetails(finding)),
          el("td", {}, evidenceList(finding.evidence, finding.case_id) || DASH),
        ),
      );
      const first = found.length ? query.offset + 1 : 0;
      const where = query.commune ? `, xã ${query.commune}` : "";
      box.replaceChildren(
        el(
          "p",
          {},
          `${(result && result.title) || query.code} (ngày kiểm tra ${day(query.on)}${where}): ` +
            (total
              ? `${total} phát hiện, hiển thị ${first}–${query.offset + found.length}.`
              : "không có phát hiện nào."),
        ),
        rows.length
          ? el(
              "div",
              { className: "scroll" },
              el(
                "table",
                {},
                el(
                  "thead",
                  {},
                  el(
                    "tr",
                    {},
                    el("th", { scope: "col" }, "Mã hồ sơ"),
                    el("th", { scope: "col" }, "Xã"),
                    el("th", { scope: "col" }, "Nội dung phát hiện"),
                    el("th", { scope: "col" }, "Sự kiện làm bằng chứng"),
                  ),
                ),
                el("tbody", {}, rows),
              ),
            )
          : null,
      );
      $("check-prev").disabled = query.offset === 0;
      $("check-next").disabled = query.offset + found.length >= total;
      $("check-pages").hidden = total <= PAGE;
      box.dataset.loaded = "true";
      box.dataset.total = String(total);
    } catch (error) {
      showError(error);
    }
  }

  // ---- start ---------------------------------------------------------------------------

  async function loadLabels() {
    try {
      const response = await fetch("inspector/labels.json", { cache: "no-cache" });
      if (response.ok) labels = { ...labels, ...(await response.json()) };
    } catch (error) {
      console.warn("labels not loaded; codes are shown as they are", error);
    }
  }

  function start() {
    $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
    $("token").addEventListener("input", tokenChanged);
    $("token").addEventListener("change", fillCheckSelect);
    $("token-clear").addEventListener("click", clearToken);
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault(); // Enter in the token field: take the token, stay on the page
      tokenChanged();
      fillCheckSelect();
    });
    // Typing in one search field empties the other: a search is by one of them, never both.
    $("case-id").addEventListener("input", () => {
      $("personal-id").value = "";
    });
    $("personal-id").addEventListener("input", () => {
      $("case-id").value = "";
    });
    $("find-form").addEventListener("submit", find);
    $("state-form").addEventListener("submit", showState);
    $("diff-form").addEventListener("submit", showDiff);
    $("check-form").addEventListener("submit", showCheck);
    $("check-prev").addEventListener("click", () => turnPage(-1));
    $("check-next").addEventListener("click", () => turnPage(+1));
    document.addEventListener("click", openClicked);
    const today = isoToday();
    $("state-on").value = today;
    $("diff-to").value = today;
    $("check-on").value = today;
    busy(0);
    labelsLoaded = loadLabels().then(() => {
      document.body.dataset.ready = "true";
    });
    fillCheckSelect();
  }

  start();
})();
