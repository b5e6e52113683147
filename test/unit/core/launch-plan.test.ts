import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DurationInput, FlyteValidationError, launchPlan, t, task, workflow } from "flytekit-ts";

const stamp = task(
  { name: "lp.stamp", inputs: { name: t.str, at: t.datetime, n: t.int.default(1) }, outputs: t.str },
  ({ name, at }) => `${name}@${at.toISOString()}`,
);
const wf = workflow(
  { name: "lp.wf", inputs: { name: t.str, at: t.datetime, n: t.int.default(1) }, outputs: t.str },
  ({ name, at, n }) => stamp({ name, at, n }),
);

function rejects(options: Record<string, unknown>, re: RegExp): void {
  assert.throws(
    () => launchPlan(wf, { name: "lp.bad", defaultInputs: { name: "x" }, ...options } as never),
    (e: unknown) => e instanceof FlyteValidationError && re.test(e.message),
  );
}

describe("launch plan settings", () => {
  test("schedules resolve as flytekit's: cron with offset and aliases, fixed rates in flytekit's unit", () => {
    const cron = launchPlan(wf, {
      name: "lp.cron",
      defaultInputs: { name: "x" },
      schedule: { cron: "*/15 0-6,22 ? JAN-MAR mon-fri", offset: "PT1H", kickoffTimeInput: "at" },
    });
    assert.deepEqual(cron.settings.schedule, {
      kind: "cron",
      cron: "*/15 0-6,22 ? JAN-MAR mon-fri",
      offset: "PT1H",
      kickoffTimeInput: "at",
    });
    const rate = (fixedRate: DurationInput) =>
      launchPlan(wf, { name: "lp.rate", defaultInputs: { name: "x", at: new Date(0) }, schedule: { fixedRate } })
        .settings.schedule;
    assert.deepEqual(rate("2d"), { kind: "rate", value: 2, unit: "DAY", kickoffTimeInput: "" });
    assert.deepEqual(rate("36h"), { kind: "rate", value: 36, unit: "HOUR", kickoffTimeInput: "" });
    assert.deepEqual(rate("90m"), { kind: "rate", value: 90, unit: "MINUTE", kickoffTimeInput: "" });
    assert.deepEqual(rate(60_000), { kind: "rate", value: 1, unit: "MINUTE", kickoffTimeInput: "" });
    const alias = launchPlan(wf, {
      name: "lp.alias",
      defaultInputs: { name: "x", at: new Date(0) },
      schedule: { cron: "@Daily" },
    });
    assert.equal(alias.settings.schedule?.kind, "cron");
  });

  test("invalid schedules fail at definition, naming the setting and the value", () => {
    rejects({ schedule: { cron: "0 3 * *" } }, /schedule.cron = "0 3 \* \*" is not a valid schedule: .*five fields/);
    rejects({ schedule: { cron: "61 3 * * *" } }, /"61" is not a minute \(0-59\)/);
    rejects({ schedule: { cron: "0 3 * 13 *" } }, /"13" is not a month \(1-12\)/);
    rejects({ schedule: { cron: "0 3 * * FUNDAY" } }, /"FUNDAY" is not a day of week/);
    rejects({ schedule: { cron: "0 5-3 * * *" } }, /range "5-3" in the hour field runs backwards/);
    rejects({ schedule: { cron: "*/0 * * * *" } }, /step "0" in the minute field/);
    rejects({ schedule: { cron: "0 ? * * *" } }, /"\?" is not a hour/);
    rejects({ schedule: { cron: "0 3 * * *", offset: "1h" } }, /schedule.offset = "1h" is not an ISO 8601 duration/);
    rejects({ schedule: { fixedRate: "90s" } }, /schedule.fixedRate = "90s" must be a whole number of minutes/);
    rejects({ schedule: { fixedRate: "soon" } }, /schedule.fixedRate: .*soon/);
    rejects({ schedule: { cron: "@daily", fixedRate: "1h" } }, /schedule must be \{ cron/);
    rejects({ schedule: { cron: "@daily", kickoffTimeInput: "when" } }, /"when", which is not an input of lp.wf/);
    rejects(
      { schedule: { cron: "@daily", kickoffTimeInput: "name" } },
      /"name" is a str; the kickoff time is a t.datetime/,
    );
    // Every input other than the kickoff time needs a value when the schedule fires (flyteadmin's rule).
    assert.throws(
      () => launchPlan(wf, { name: "lp.unbound", schedule: { cron: "@daily", kickoffTimeInput: "at" } }),
      /a scheduled launch plan needs a value for every input, and name has no default/,
    );
    assert.throws(
      () =>
        launchPlan(wf, {
          name: "lp.fixedkick",
          fixedInputs: { at: new Date(0) },
          defaultInputs: { name: "x" },
          schedule: { cron: "@daily", kickoffTimeInput: "at" },
        }),
      /"at", which is not an input of lp.wf that a launch can set/,
    );
  });

  test("notifications, security, parallelism and the rest are checked", () => {
    rejects(
      { notifications: [{ type: "sms", phases: ["FAILED"], recipients: ["a"] }] },
      /notifications\[0\] must be \{ type/,
    );
    rejects({ notifications: [{ type: "email", phases: [], recipients: ["a"] }] }, /phases must list at least one/);
    rejects(
      { notifications: [{ type: "email", phases: ["RUNNING"], recipients: ["a"] }] },
      /phase "RUNNING" is not a terminal phase/,
    );
    rejects(
      { notifications: [{ type: "slack", phases: ["FAILED"], recipients: [] }] },
      /recipients must be a non-empty list/,
    );
    rejects({ labels: { team: 1 } }, /labels must map names to strings/);
    rejects({ maxParallelism: -1 }, /maxParallelism = -1 is not a non-negative integer/);
    rejects({ overwriteCache: "yes" }, /overwriteCache = "yes" is not a boolean/);
    rejects({ authRole: { iamRole: "r" }, securityContext: { runAs: { iamRole: "r" } } }, /give one of them, not both/);
    rejects({ securityContext: { runAs: { role: "r" } } }, /securityContext.runAs.role = "r" is not valid/);
    rejects(
      { securityContext: { secrets: [{ key: "k" }] } },
      /each secret of securityContext.secrets must be an object with a group/,
    );
    rejects({ concurrency: { max: 0 } }, /concurrency must be \{ max, behavior\?: "SKIP" \}/);
    rejects({ schedul: {} }, /unrecognized option\(s\) "schedul"/);
  });

  test("authRole becomes the security context's runAs, as flytekit does", () => {
    const lp = launchPlan(wf, { name: "lp.auth", authRole: { iamRole: "arn:r", k8sServiceAccount: "sa" } });
    assert.deepEqual(lp.settings.securityContext, { runAs: { iamRole: "arn:r", k8sServiceAccount: "sa" } });
  });

  test("the default launch plan (no name) takes no settings", () => {
    assert.throws(
      () => launchPlan(wf, { labels: { a: "b" }, maxParallelism: 2 }),
      /labels, maxParallelism need a launch plan with a name of its own/,
    );
  });

  test("a scheduled launch plan still runs locally with its defaults", async () => {
    const lp = launchPlan(wf, {
      name: "lp.local",
      defaultInputs: { name: "x" },
      schedule: { cron: "@hourly", kickoffTimeInput: "at" },
    });
    assert.equal(await lp({ at: new Date("2026-01-01T00:00:00Z") }), "x@2026-01-01T00:00:00.000Z");
  });
});
