/**
 * Structs: typed objects travel as msgpack, like flytekit dataclasses, and a workflow can pass one field of a struct
 * output to the next task (attribute access on a reference).
 *
 *   npx tsflyte run examples/structs.ts wf --city Paris
 */
import { t, task, workflow } from "flytekit-ts";

export const Weather = t.struct(
  { city: t.str, tempC: t.float, observedAt: t.datetime, tags: t.list(t.str), note: t.optional(t.str) },
  { name: "Weather" },
);

export const observe = task({ inputs: { city: t.str }, outputs: Weather }, ({ city }) => ({
  city,
  tempC: 21.5,
  observedAt: new Date("2026-01-01T12:00:00Z"),
  tags: ["sunny"],
  note: null,
}));

export const toFahrenheit = task({ inputs: { c: t.float }, outputs: t.float }, ({ c }) => (c * 9) / 5 + 32);

export const wf = workflow({ inputs: { city: t.str }, outputs: { report: Weather, tempF: t.float } }, ({ city }) => {
  const w = observe({ city });
  return { report: w, tempF: toFahrenheit({ c: w.tempC }) };
});
