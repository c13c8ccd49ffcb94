import type { IntentExplainResult, RunIntentListing } from "../../../pipeline/intent-explain.js";
import { ApiError } from "./api.js";
import { errorText, fmt, h, replace } from "./dom.js";
import { state } from "./state.js";

/**
 * The SAERec intents box of the User view (shown only when the served model is saerec): the
 * selected user's retrieved intents, each with a switch that turns it off (the list is re-ranked
 * by GET /api/users/:id/intents-explain?off=...; items that entered are marked "+", those that left
 * are listed), and beside each recommended item the intents that carry its score (their parts plus
 * the sequence and bias parts sum to the score). A collapsible list browses the run's intent library
 * (GET /api/intents). Self-contained: it follows the selected user through `state.user`.
 */

/** Items listed; intents shown beside each item. */
const N = 10;
const PER_ITEM = 3;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = (await res.json().catch(() => ({}))) as { message?: string; field?: string };
  if (!res.ok) throw new ApiError(res.status, body.message ?? `HTTP ${res.status}`, body.field);
  return body as T;
}

/** One switch per intent: retrieved ones (an intent may sit in both branches) with their attention, then those off. */
function switchList(r: IntentExplainResult): { id: number; label: string; note: string }[] {
  const out = new Map<number, { id: number; label: string; note: string }>();
  for (const i of r.intents) {
    const note = `${i.branch} · attention ${fmt(i.attention)}`;
    const seen = out.get(i.intent);
    if (seen) seen.note += `; ${note}`;
    else out.set(i.intent, { id: i.intent, label: i.label, note });
  }
  for (const o of r.off) out.set(o.intent, { id: o.intent, label: o.label, note: "off" });
  return [...out.values()];
}

const signed = (x: number): string => `${x >= 0 ? "+" : ""}${fmt(x)}`;

/** Mounts the box at the end of `parent` when the served model is saerec; returns its element or null. */
export async function mountIntentView(parent: HTMLElement): Promise<HTMLElement | null> {
  const info = await get<{ model: { name: string } }>("/api/info").catch(() => null);
  if (info?.model.name !== "saerec") return null;
  const root = h("section", { id: "intents", class: "intents", "aria-live": "polite" });
  const body = h("div", { id: "intents-body" });
  const library = h("div", { id: "intents-library" });
  const search = h("input", {
    type: "search",
    id: "intents-q",
    placeholder: "filter labels",
    "aria-label": "Filter intent labels",
  });
  const details = h("details", { id: "intents-lib" }, h("summary", {}, "Intent library"), search, library);
  replace(root, h("h3", {}, "Intents (SAERec)"), body, details);
  parent.append(root);
  const off = new Set<number>();
  let user: string | undefined;
  let seq = 0;

  const render = (r: IntentExplainResult): void => {
    const switches = h(
      "ul",
      { class: "intent-switches" },
      switchList(r).map((i) =>
        h(
          "li",
          {},
          h(
            "label",
            {},
            h("input", {
              type: "checkbox",
              "data-intent": i.id,
              checked: !off.has(i.id),
              onChange: () => {
                if (off.has(i.id)) off.delete(i.id);
                else off.add(i.id);
                void load();
              },
            }),
            ` ${i.label} `,
            h("span", { class: "muted" }, `(${i.note})`),
          ),
        ),
      ),
    );
    const rows = r.items.map((it) =>
      h(
        "tr",
        { "data-item": it.id },
        h("td", {}, `${it.rank}.`, it.entered ? h("span", { class: "entered", title: "entered" }, " +") : ""),
        h("td", {}, it.title ?? it.id),
        h("td", {}, fmt(it.score)),
        h(
          "td",
          { class: "intent-parts" },
          it.intents
            .slice(0, PER_ITEM)
            .map((p) =>
              h("span", { class: "chip", "data-intent": p.intent }, `${p.label} ${signed(p.score)}`),
            ),
          h("span", { class: "muted" }, ` sequence ${signed(it.sequence)}, bias ${signed(it.bias)}`),
        ),
      ),
    );
    replace(
      body,
      h("p", { class: "muted" }, "Untick an intent to switch it off for this user and re-rank."),
      switches,
      h(
        "table",
        { class: "table", id: "intents-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "Item", "Score", "Intents carrying the score"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h("tbody", {}, rows),
      ),
      r.left.length > 0
        ? h("p", { id: "intents-left" }, `Left the list: ${r.left.map((it) => it.title ?? it.id).join(", ")}`)
        : null,
    );
  };

  async function load(): Promise<void> {
    if (!user)
      return replace(body, h("p", { class: "muted" }, "Pick a user to see the intents behind their list."));
    const mine = ++seq;
    const q = new URLSearchParams({ n: String(N) });
    for (const i of off) q.append("off", String(i));
    try {
      const r = await get<IntentExplainResult>(`/api/users/${encodeURIComponent(user)}/intents-explain?${q}`);
      if (mine === seq) render(r);
    } catch (err) {
      if (mine === seq) replace(body, h("p", { class: "error" }, errorText(err)));
    }
  }

  async function loadLibrary(): Promise<void> {
    const q = new URLSearchParams({ q: search.value, limit: "30", top: "3" });
    try {
      const r = await get<RunIntentListing>(`/api/intents?${q}`);
      replace(
        library,
        h("p", { class: "muted" }, `${r.total} intents, most confident first`),
        h(
          "ul",
          {},
          r.intents.map((i) =>
            h(
              "li",
              { "data-intent": i.id },
              `${i.label} `,
              h(
                "span",
                { class: "muted" },
                `#${i.id} · confidence ${fmt(i.confidence)} · ${i.support} items${i.public ? " · public" : ""}: `,
              ),
              i.topItems.map((t) => t.title ?? t.id).join("; "),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(library, h("p", { class: "error" }, errorText(err)));
    }
  }

  search.addEventListener("input", () => void loadLibrary());
  details.addEventListener("toggle", () => {
    if (details.open) void loadLibrary();
  });
  // Follow the User view's selection (it owns `state.user`); switches reset for a new user.
  const follow = (): void => {
    if (state.user === user) return;
    user = state.user;
    off.clear();
    void load();
  };
  setInterval(follow, 700);
  follow();
  if (!user) void load();
  return root;
}
