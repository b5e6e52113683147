/** Admin list filters built from typed execution filters, and the errors for bad ones. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { executionFilters } from "../../../src/remote/filters.js";

describe("executionFilters", () => {
  test("no filters is the empty string", () => {
    assert.equal(executionFilters(), "");
    assert.equal(executionFilters({ phase: [] }), "");
  });

  test("each field becomes one admin expression, joined with +", () => {
    assert.equal(
      executionFilters({
        phase: ["FAILED", "ABORTED"],
        launchPlan: "examples.hello.wf",
        createdAfter: new Date("2024-01-02T03:04:05.678Z"),
        createdBefore: new Date("2024-02-01T00:00:00Z"),
      }),
      "value_in(phase,FAILED;ABORTED)+eq(launch_plan.name,examples.hello.wf)+gte(execution_created_at,2024-01-02T03:04:05Z)+lt(execution_created_at,2024-02-01T00:00:00Z)",
    );
    assert.equal(executionFilters({ phase: "SUCCEEDED", task: "a.b" }), "eq(phase,SUCCEEDED)+eq(task.name,a.b)");
    assert.equal(executionFilters({ workflow: "w", raw: ["eq(mode,0)"] }), "eq(workflow.name,w)+eq(mode,0)");
  });

  test("bad values are errors naming the field and the value, never passed to admin", () => {
    assert.throws(
      () => executionFilters({ phase: "DONE" as never }),
      /unknown execution phase "DONE"; the phases are UNDEFINED, QUEUED/,
    );
    assert.throws(
      () => executionFilters({ launchPlan: "x),eq(phase,FAILED" }),
      /launchPlan filter: "x\),eq\(phase,FAILED" is not an entity name/,
    );
    assert.throws(
      () => executionFilters({ createdAfter: new Date("nope") }),
      /createdAfter filter: expected a valid Date/,
    );
    assert.throws(() => executionFilters({ raw: ["drop table"] }), /raw filter "drop table": expected an admin filter/);
  });
});
