/** Twin of flytesnacks core/control_flow/dynamics.py: a dynamic task whose graph depends on its inputs' values. */
import { dynamic, t, task, workflow } from "flytekit-ts";

const M = "core.control_flow.dynamics";

export const return_index = task(
  { name: `${M}.return_index`, inputs: { character: t.str }, outputs: t.int },
  ({ character }) => (character.toLowerCase().charCodeAt(0) - 97 + 26) % 26,
);

export const update_list = task(
  { name: `${M}.update_list`, inputs: { freq_list: t.list(t.int), list_index: t.int }, outputs: t.list(t.int) },
  ({ freq_list, list_index }) => freq_list.map((v, i) => (i === list_index ? v + 1 : v)),
);

export const derive_count = task(
  { name: `${M}.derive_count`, inputs: { freq1: t.list(t.int), freq2: t.list(t.int) }, outputs: t.int },
  ({ freq1, freq2 }) => freq1.reduce((s, v, i) => s + Math.min(v, freq2[i] ?? 0), 0),
);

export const count_characters = dynamic(
  { name: `${M}.count_characters`, inputs: { s1: t.str, s2: t.str }, outputs: t.int },
  ({ s1, s2 }) => {
    const count = (s: string) => {
      let freq: unknown = new Array(26).fill(0);
      for (const ch of s) {
        if (/[a-z]/i.test(ch))
          freq = update_list({ freq_list: freq as never, list_index: return_index({ character: ch }) });
      }
      return freq;
    };
    return derive_count({ freq1: count(s1) as never, freq2: count(s2) as never });
  },
);

export const wf = workflow({ name: `${M}.wf`, inputs: { s1: t.str, s2: t.str }, outputs: t.int }, ({ s1, s2 }) =>
  count_characters({ s1, s2 }),
);
