import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlyteValidationError, map, t, task, workflow } from "flytekit-ts";
import { resolveDocs } from "../../../src/core/docs.js";
import { serializationSettings } from "../../../src/serialize/settings.js";
import { Serializer } from "../../../src/serialize/translate.js";
import { exported } from "../serialize/helpers.js";

describe("docs", () => {
  test("a text reads as a docstring: first line short, the rest long (dedented, trimmed)", () => {
    assert.deepEqual(resolveDocs("x", "One line."), { short: "One line.", long: undefined });
    assert.deepEqual(resolveDocs("x", "First line\nsecond line\n\nLong part.\n\nMore."), {
      short: "First line",
      long: "second line\n\nLong part.\n\nMore.",
    });
    assert.deepEqual(resolveDocs("x", "\n  Leading.\n\n    Indented long.\n    x\n  "), {
      short: "Leading.",
      long: "Indented long.\nx",
    });
    assert.deepEqual(resolveDocs("x", { long: "Only long." }), { short: "", long: "Only long." });
    assert.equal(resolveDocs("x", undefined), undefined);
  });

  test("bad docs fail at definition", () => {
    assert.throws(
      () => task({ name: "d.bad", docs: 3 as never }, () => undefined),
      (e: unknown) =>
        e instanceof FlyteValidationError && /docs must be a string or \{ short\?, long\? \}/.test(e.message),
    );
    assert.throws(() => workflow({ name: "d.badwf", docs: { short: 1 } as never }, () => undefined), /docs must be/);
  });

  test("descriptions: tasks and workflows with docs have one; without docs, and map tasks, none", () => {
    const file = import.meta.filename;
    const add = exported(
      "add",
      task({ inputs: { a: t.int, b: t.int }, outputs: t.int, docs: "Adds.\n\nLong text." }, ({ a, b }) => a + b),
      file,
    );
    const plain = exported(
      "plain",
      task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a),
      file,
    );
    const wf = exported(
      "wf",
      workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int), docs: "A workflow." }, ({ xs }) =>
        map(add, { boundInputs: ["b"] })({ a: xs, b: plain({ a: 1 }) }),
      ),
      file,
    );
    const s = new Serializer(serializationSettings({ image: { default: "img:v1" } }));
    s.add(wf);
    const byName = (suffix: string) => s.entities.find((e) => e.kind !== 3 && e.name.endsWith(suffix))!.spec;
    const d = (byName(".add") as { description?: unknown }).description as {
      shortDescription: string;
      longDescription: { content: { case: string; value: string }; format: number };
    };
    assert.equal(d.shortDescription, "Adds.");
    assert.deepEqual(d.longDescription.content, { case: "value", value: "Long text." });
    assert.equal(d.longDescription.format, 3, "reStructuredText, as flytekit writes docstrings");
    assert.equal((byName(".plain") as { description?: unknown }).description, undefined);
    const mapSpec = s.entities.find((e) => e.kind === 1 && e.name.includes("map_"))!.spec as { description?: unknown };
    assert.equal(mapSpec.description, undefined);
    const wd = (byName(".wf") as { description?: { shortDescription: string; longDescription: { content: unknown } } })
      .description!;
    assert.equal(wd.shortDescription, "A workflow.");
    assert.deepEqual(wd.longDescription.content, { case: undefined });
  });
});
