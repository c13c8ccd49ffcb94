import { api } from "./api.js";
import { errorText, fmt } from "./dom.js";
import { mountEditorView } from "./editor-view.js";
import { mountEvalView } from "./eval-view.js";
import { mountIntentView } from "./intent-view.js";
import { mountNeuronView } from "./neuron-view.js";
import { navigate, onNavigate, state, type ViewName } from "./state.js";
import { numParam, param, parseKnobs, setParams, whileRestoring } from "./url.js";
import { mountUserView } from "./user-view.js";

const VIEWS: ViewName[] = ["user", "neurons", "editor", "eval"];
const tab = (v: ViewName): HTMLButtonElement => document.getElementById(`tab-${v}`) as HTMLButtonElement;
const panel = (v: ViewName): HTMLElement => document.getElementById(`view-${v}`) as HTMLElement;

const userView = mountUserView(panel("user"));
const neuronView = mountNeuronView(panel("neurons"), (j) => {
  navigate("user", { neuron: j });
});
const editorView = mountEditorView(panel("editor"));
const evalView = mountEvalView(panel("eval"));
void mountIntentView(panel("user")); // SAERec runs only: intents beside each item, switchable

function show(view: ViewName, focus = false): void {
  const v = VIEWS.includes(view) ? view : "user"; // a run without an SAE has the User view only
  for (const w of VIEWS) {
    const on = w === v;
    tab(w).setAttribute("aria-selected", String(on));
    tab(w).tabIndex = on ? 0 : -1;
    panel(w).hidden = !on;
  }
  if (focus) tab(v).focus();
  setParams({ view: v === "user" ? undefined : v }, "push");
  if (v === "editor") void editorView.refresh();
  if (v === "eval") void evalView.refresh();
}

// Tabs: click, and arrow keys / Home / End between tabs (WAI-ARIA tabs pattern).
VIEWS.forEach((v, i) => {
  tab(v).addEventListener("click", () => show(v));
  tab(v).addEventListener("keydown", (ev: KeyboardEvent) => {
    const k = ev.key;
    const to =
      k === "ArrowRight"
        ? (i + 1) % VIEWS.length
        : k === "ArrowLeft"
          ? (i + VIEWS.length - 1) % VIEWS.length
          : k === "Home"
            ? 0
            : k === "End"
              ? VIEWS.length - 1
              : -1;
    if (to >= 0) {
      ev.preventDefault();
      show(VIEWS[to], true);
    }
  });
});

onNavigate(({ view, neuron, user }) => {
  show(view);
  if (view === "user") {
    const pick = user && user !== state.user ? userView.selectUser(user) : Promise.resolve();
    void pick.then(() => {
      if (neuron !== undefined) userView.addKnob(neuron, Math.max(state.knobs.get(neuron) ?? 0, 0.3));
    });
  }
  if (view === "editor" && neuron !== undefined) editorView.pick(neuron);
  if (view === "neurons" && neuron !== undefined) void neuronView.show(neuron);
});

/** Puts every view in the state the URL describes (first load, reload, back/forward). */
async function restoreFromUrl(): Promise<void> {
  await whileRestoring(async () => {
    const v = param("view");
    const view: ViewName = v === "neurons" || v === "editor" || v === "eval" ? v : "user";
    show(view);
    const knobs = parseKnobs(param("knobs"));
    const user = param("user");
    const jobs: Promise<void>[] = [];
    if (param("new") === "1") jobs.push(userView.startNewUser().then(() => userView.setKnobs(knobs)));
    else if (user) jobs.push(userView.selectUser(user).then(() => userView.setKnobs(knobs)));
    else userView.clearUser(); // e.g. Back to before a user was picked
    const page = numParam("page");
    const neuron = numParam("neuron");
    jobs.push(neuronView.restore(param("q") ?? "", param("sort") ?? "id", page ? page - 1 : 0, neuron));
    editorView.restore(numParam("target"), numParam("strength"), numParam("n"));
    await Promise.all(jobs);
    const why = param("why");
    if (why && (user || param("new") === "1")) await userView.explain(why);
  });
}

window.addEventListener("popstate", () => void restoreFromUrl());
void restoreFromUrl();

const info = document.getElementById("info") as HTMLElement;
/** A run without an SAE: only the User view, without knobs (the SAE views would all answer 409). */
function withoutSae(note: string): void {
  if (panel("user").hidden) show("user");
  for (const v of VIEWS) if (v !== "user") tab(v).hidden = true;
  VIEWS.splice(0, VIEWS.length, "user");
  userView.withoutSae(note);
}

api
  .info()
  .then((i) => {
    const key = ["test/ndcg@20", "test/ndcg@10"].find((k) => typeof i.metrics[k] === "number");
    const sae =
      i.sae && i.labels
        ? `${i.sae.architecture} SAE, ${i.sae.liveNeurons}/${i.sae.dSae} live neurons, ${i.labels.labelled} labelled`
        : "no SAE";
    info.textContent =
      `${i.dataset.name}: ${i.dataset.users} users × ${i.dataset.items} items · ${i.model.name} (dim ${i.model.dim}) · ${sae}` +
      (key ? ` · test nDCG@${key.slice("test/ndcg@".length)} ${fmt(i.metrics[key] as number)}` : "");
    if (!i.sae) withoutSae(i.noSae ?? "this run has no SAE");
  })
  .catch((err: unknown) => (info.textContent = `API unavailable: ${errorText(err)}`));
