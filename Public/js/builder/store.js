// The builder's shared state and its change notices. The canvas, the config panel, the toolbar
// and the run monitor read and write `state` and tell each other what changed through topics,
// instead of sharing the variables of one closure (issue 15 §6).
//
// state: wf (the server's copy, without unsaved edits), nodes, edges, dirty, selected
// ({type: 'node', id} | {type: 'edge', key} | null), issues (the last validation), run (the run
// being monitored, or null).
//
// Topics used by the builder:
//   changed {panel}  the blueprint changed: redraw what depends on it and validate again
//   dirty            something unsaved happened that needs no new validation (a move)
//   selection        the selected step or connection is another one
//   node  node       one step looks different (its ports, its outputs)
//   issues           state.issues was replaced
//   run  {stopped}   the monitored run was shown, changed or closed
//   run:set  run     a newer copy of the monitored run (from an approval or a cancel)
//   header           state.wf changed
//   say  text        a message for screen readers

export function createStore(initial = {}) {
  const state = { ...initial };
  const topics = new Map(); // topic -> listeners in the order they subscribed

  /** Calls fn(detail, state) on every notice of `topic`; returns the unsubscribe function. */
  function subscribe(topic, fn) {
    if (!topics.has(topic)) topics.set(topic, []);
    const list = topics.get(topic);
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Tells every listener of `topic`, in subscription order. A listener may notify in turn. */
  function notify(topic, detail) {
    for (const fn of (topics.get(topic) || []).slice()) fn(detail, state);
  }

  /** Assigns `patch` to the state, then notifies `topic` if one is given. */
  function set(patch, topic, detail) {
    Object.assign(state, patch);
    if (topic) notify(topic, detail);
  }

  return { state, subscribe, notify, set };
}
