/**
 * The scenarios, in report order, and what a row of each logs.
 *
 * @module
 */

import type { Options, Scenario, ScenarioName, Target } from "./types.ts";
import { FILE } from "./file.ts";
import { ROTATING } from "./rotating.ts";
import { SOCKET } from "./socket.ts";
import { JSON_LINES } from "./json.ts";

/** Every scenario, by name. */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  file: FILE,
  rotating: ROTATING,
  socket: SOCKET,
  json: JSON_LINES,
};

/** Every scenario's name, in report order. */
export const SCENARIO_NAMES: readonly ScenarioName[] = ["file", "rotating", "socket", "json"];

/**
 * Every row of the given scenarios, in table order.
 *
 * @param names The scenarios.
 * @returns The rows.
 */
export function allTargets(names: readonly ScenarioName[] = SCENARIO_NAMES): Target[] {
  return names.flatMap((name) => SCENARIOS[name].targets());
}

/**
 * The records a row of a scenario logs: `--records`, else the scenario's default.
 *
 * @param name The scenario.
 * @param options The run's options.
 * @returns The timed records.
 */
export function recordsFor(name: ScenarioName, options: Options): number {
  const own = SCENARIOS[name].defaultRecords;
  return own !== undefined && !options.recordsGiven ? own : options.records;
}
