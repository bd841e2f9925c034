/**
 * CPython 3.13's test_logging.py, translated: BuiltinLevelsTest, BasicFilterTest and
 * CustomLevelsAndFiltersTest (levels, their names and inheritance; filters on loggers and
 * handlers, including filters that replace the record).
 */

import {
  addLevelName,
  CRITICAL,
  DEBUG,
  ERROR,
  FATAL,
  Filter,
  type FilterLike,
  getLevelName,
  getLevelNamesMapping,
  getLogger,
  INFO,
  LoggerAdapter,
  type LogRecord,
  makeLogRecord,
  NOTSET,
  StreamHandler,
} from "../mod.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { type BaseTest, baseTest } from "./helpers/cpython_base.ts";
import { CapturedStream } from "./helpers/logging_state.ts";

// ---------------------------------------------------------------------------------------------
// BuiltinLevelsTest: builtin levels and their inheritance.

Deno.test(
  "BuiltinLevelsTest.test_flat: each logger logs at and above its own level",
  baseTest((t) => {
    const m = () => t.nextMessage();
    const ERR = getLogger("ERR");
    ERR.setLevel(ERROR);
    const INF = new LoggerAdapter(getLogger("INF"), {});
    INF.setLevel(INFO);
    const DEB = getLogger("DEB");
    DEB.setLevel(DEBUG);

    // These should log.
    ERR.log(CRITICAL, m());
    ERR.error(m());

    INF.log(CRITICAL, m());
    INF.error(m());
    INF.warning(m());
    INF.info(m());

    DEB.log(CRITICAL, m());
    DEB.error(m());
    DEB.warning(m());
    DEB.info(m());
    DEB.debug(m());

    // These should not log.
    ERR.warning(m());
    ERR.info(m());
    ERR.debug(m());

    INF.debug(m());

    t.assertLogLines([
      ["ERR", "CRITICAL", "1"],
      ["ERR", "ERROR", "2"],
      ["INF", "CRITICAL", "3"],
      ["INF", "ERROR", "4"],
      ["INF", "WARNING", "5"],
      ["INF", "INFO", "6"],
      ["DEB", "CRITICAL", "7"],
      ["DEB", "ERROR", "8"],
      ["DEB", "WARNING", "9"],
      ["DEB", "INFO", "10"],
      ["DEB", "DEBUG", "11"],
    ]);
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_nested_explicit: a child's own level wins over its parent's",
  baseTest((t) => {
    const m = () => t.nextMessage();
    const INF = getLogger("INF");
    INF.setLevel(INFO);
    const INF_ERR = getLogger("INF.ERR");
    INF_ERR.setLevel(ERROR);

    // These should log.
    INF_ERR.log(CRITICAL, m());
    INF_ERR.error(m());

    // These should not log.
    INF_ERR.warning(m());
    INF_ERR.info(m());
    INF_ERR.debug(m());

    t.assertLogLines([
      ["INF.ERR", "CRITICAL", "1"],
      ["INF.ERR", "ERROR", "2"],
    ]);
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_nested_inherited: a logger without a level takes its nearest ancestor's",
  baseTest((t) => {
    const m = () => t.nextMessage();
    const INF = getLogger("INF");
    INF.setLevel(INFO);
    const INF_ERR = getLogger("INF.ERR");
    INF_ERR.setLevel(ERROR);
    const INF_UNDEF = getLogger("INF.UNDEF");
    const INF_ERR_UNDEF = getLogger("INF.ERR.UNDEF");
    getLogger("UNDEF");

    // These should log.
    INF_UNDEF.log(CRITICAL, m());
    INF_UNDEF.error(m());
    INF_UNDEF.warning(m());
    INF_UNDEF.info(m());
    INF_ERR_UNDEF.log(CRITICAL, m());
    INF_ERR_UNDEF.error(m());

    // These should not log.
    INF_UNDEF.debug(m());
    INF_ERR_UNDEF.warning(m());
    INF_ERR_UNDEF.info(m());
    INF_ERR_UNDEF.debug(m());

    t.assertLogLines([
      ["INF.UNDEF", "CRITICAL", "1"],
      ["INF.UNDEF", "ERROR", "2"],
      ["INF.UNDEF", "WARNING", "3"],
      ["INF.UNDEF", "INFO", "4"],
      ["INF.ERR.UNDEF", "CRITICAL", "5"],
      ["INF.ERR.UNDEF", "ERROR", "6"],
    ]);
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_nested_with_virtual_parent: a parent created after its child still lends its level",
  baseTest((t) => {
    const m = () => t.nextMessage();
    const INF = getLogger("INF");
    const GRANDCHILD = getLogger("INF.BADPARENT.UNDEF");
    const CHILD = getLogger("INF.BADPARENT");
    INF.setLevel(INFO);

    // These should log.
    GRANDCHILD.log(FATAL, m());
    GRANDCHILD.info(m());
    CHILD.log(FATAL, m());
    CHILD.info(m());

    // These should not log.
    GRANDCHILD.debug(m());
    CHILD.debug(m());

    t.assertLogLines([
      ["INF.BADPARENT.UNDEF", "CRITICAL", "1"],
      ["INF.BADPARENT.UNDEF", "INFO", "2"],
      ["INF.BADPARENT", "CRITICAL", "3"],
      ["INF.BADPARENT", "INFO", "4"],
    ]);
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_regression_22386: getLevelName maps a name to its number and back",
  baseTest(() => {
    assertEquals(getLevelName("INFO"), INFO);
    assertEquals(getLevelName(INFO), "INFO");
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_issue27935: FATAL is a level name",
  baseTest(() => {
    const fatal = getLevelName("FATAL");
    assertEquals(fatal, FATAL);
  }),
);

Deno.test(
  "BuiltinLevelsTest.test_regression_29220: a level may be renamed to the empty string",
  baseTest((t) => {
    addLevelName(INFO, "");
    t.addCleanup(() => addLevelName(INFO, "INFO"));
    assertEquals(getLevelName(INFO), "");
    assertEquals(getLevelName(NOTSET), "NOTSET");
    assertEquals(getLevelName("NOTSET"), NOTSET);
    // Beyond CPython's test, what CPython 3.13 gives for the same calls: the empty name is a
    // name of the level, and records of that level print it.
    assertEquals(getLevelName(""), INFO);
    assertEquals(getLevelNamesMapping()[""], INFO);
    getLogger("spam").info(t.nextMessage());
    assertEquals(t.stream.text, "spam -> : 1\n");
  }),
);

// ---------------------------------------------------------------------------------------------
// BasicFilterTest: the bundled Filter class.

/**
 * The body both BasicFilterTest tests share: with `filter` on the root's handler, records from
 * `spam.eggs` and `spam.eggs.fish` pass and those from `spam` and `spam.bakedbeans` do not.
 */
function assertPassesSpamEggs(t: BaseTest, filter: FilterLike): void {
  const handler = t.rootLogger.handlers[0];
  try {
    handler.addFilter(filter);
    const spam = getLogger("spam");
    const spam_eggs = getLogger("spam.eggs");
    const spam_eggs_fish = getLogger("spam.eggs.fish");
    const spam_bakedbeans = getLogger("spam.bakedbeans");

    spam.info(t.nextMessage());
    spam_eggs.info(t.nextMessage()); // Good.
    spam_eggs_fish.info(t.nextMessage()); // Good.
    spam_bakedbeans.info(t.nextMessage());

    t.assertLogLines([
      ["spam.eggs", "INFO", "2"],
      ["spam.eggs.fish", "INFO", "3"],
    ]);
  } finally {
    handler.removeFilter(filter);
  }
}

Deno.test(
  "BasicFilterTest.test_filter: a Filter passes its logger and descendants, not a name that only starts the same",
  baseTest((t) => {
    assertPassesSpamEggs(t, new Filter("spam.eggs"));
  }),
);

Deno.test(
  "BasicFilterTest.test_callable_filter: a plain function is a filter",
  baseTest((t) => {
    function filterfunc(record: LogRecord): boolean {
      const parts = record.name.split(".");
      const prefix = parts.slice(0, 2).join(".");
      return prefix === "spam.eggs";
    }

    assertPassesSpamEggs(t, filterfunc);
  }),
);

Deno.test(
  "BasicFilterTest.test_empty_filter: a Filter without a name passes every record",
  baseTest(() => {
    const f = new Filter();
    const r = makeLogRecord({ name: "spam.eggs" });
    assert(f.filter(r));
  }),
);

// ---------------------------------------------------------------------------------------------
// CustomLevelsAndFiltersTest: filtering with custom levels.

const SILENT = 120;
const TACITURN = 119;
const TERSE = 118;
const EFFUSIVE = 117;
const SOCIABLE = 116;
const VERBOSE = 115;
const TALKATIVE = 114;
const GARRULOUS = 113;
const CHATTERBOX = 112;
const BORING = 111;

const MY_LOGGING_LEVELS: Record<number, string> = {
  [SILENT]: "Silent",
  [TACITURN]: "Taciturn",
  [TERSE]: "Terse",
  [EFFUSIVE]: "Effusive",
  [SOCIABLE]: "Sociable",
  [VERBOSE]: "Verbose",
  [TALKATIVE]: "Talkative",
  [GARRULOUS]: "Garrulous",
  [CHATTERBOX]: "Chatterbox",
  [BORING]: "Boring",
};

/** A filter which blocks garrulous messages. */
class GarrulousFilter extends Filter {
  override filter(record: LogRecord): boolean {
    return record.levelno !== GARRULOUS;
  }
}

/** A filter which blocks sociable and taciturn messages. */
class VerySpecificFilter extends Filter {
  override filter(record: LogRecord): boolean {
    return ![SOCIABLE, TACITURN].includes(record.levelno);
  }
}

/** CustomLevelsAndFiltersTest's set-up: BaseTest's, without the logger name group, and its levels. */
function customLevelsTest(fn: Parameters<typeof baseTest>[0]): () => Promise<void> {
  return baseTest((t) => {
    for (const [k, v] of Object.entries(MY_LOGGING_LEVELS)) addLevelName(Number(k), v);
    return fn(t);
  }, { expectedLogPat: /^[\w.]+ -> (\w+): (\d+)$/ });
}

function logAtAllLevels(
  t: { nextMessage(): string },
  logger: { log(level: number, msg: string): void },
): void {
  for (let lvl = BORING; lvl <= SILENT; lvl++) logger.log(lvl, t.nextMessage());
}

/** Python's `copy.copy(record)`: a shallow copy of the same class. */
function copyRecord(record: LogRecord): LogRecord {
  return Object.assign(Object.create(Object.getPrototypeOf(record)), record);
}

Deno.test(
  "CustomLevelsAndFiltersTest.test_handler_filter_replaces_record: a handler's filter may hand its handler a copy, unseen by other handlers",
  customLevelsTest(async () => {
    function replace_message(record: LogRecord): LogRecord {
      record = copyRecord(record);
      record.msg = "new message!";
      return record;
    }

    // "child" and its handler (and so replace_message()) run before the record propagates up
    // to "parent": the replacement must not be seen by the other loggers' handlers.
    const parent = getLogger("parent");
    const child = getLogger("parent.child");
    const stream_1 = new CapturedStream();
    const stream_2 = new CapturedStream();
    const handler_1 = new StreamHandler(stream_1);
    const handler_2 = new StreamHandler(stream_2);
    handler_2.addFilter(replace_message);
    parent.addHandler(handler_1);
    child.addHandler(handler_2);

    child.info("original message");
    await handler_1.flush();
    await handler_2.flush();
    assertEquals(stream_1.text, "original message\n");
    assertEquals(stream_2.text, "new message!\n");
    await handler_1.close();
    await handler_2.close();
  }),
);

Deno.test(
  "CustomLevelsAndFiltersTest.test_logging_filter_replaces_record: each logger filter gets the record the one before it returned",
  customLevelsTest(() => {
    const records = new Set<LogRecord>();

    class RecordingFilter extends Filter {
      override filter(record: LogRecord): LogRecord {
        records.add(record);
        return copyRecord(record);
      }
    }

    const logger = getLogger("logger");
    logger.setLevel(INFO);
    logger.addFilter(new RecordingFilter());
    logger.addFilter(new RecordingFilter());

    logger.info("msg");

    assertEquals(records.size, 2);
  }),
);

Deno.test(
  "CustomLevelsAndFiltersTest.test_logger_filter: a logger's custom level drops the custom levels below it",
  customLevelsTest((t) => {
    // Filter at logger level.
    t.rootLogger.setLevel(VERBOSE);
    // Levels >= 'Verbose' are good.
    logAtAllLevels(t, t.rootLogger);
    t.assertLogLines([
      ["Verbose", "5"],
      ["Sociable", "6"],
      ["Effusive", "7"],
      ["Terse", "8"],
      ["Taciturn", "9"],
      ["Silent", "10"],
    ]);
  }),
);

Deno.test(
  "CustomLevelsAndFiltersTest.test_handler_filter: a handler's custom level drops the custom levels below it",
  customLevelsTest((t) => {
    // Filter at handler level.
    t.rootLogger.handlers[0].setLevel(SOCIABLE);
    try {
      // Levels >= 'Sociable' are good.
      logAtAllLevels(t, t.rootLogger);
      t.assertLogLines([
        ["Sociable", "6"],
        ["Effusive", "7"],
        ["Terse", "8"],
        ["Taciturn", "9"],
        ["Silent", "10"],
      ]);
    } finally {
      t.rootLogger.handlers[0].setLevel(NOTSET);
    }
  }),
);

Deno.test(
  "CustomLevelsAndFiltersTest.test_specific_filters: a handler's filter and a logger's filter both apply",
  customLevelsTest((t) => {
    // A specific filter object on the handler, and then another one on the logger itself.
    const handler = t.rootLogger.handlers[0];
    let specific_filter: VerySpecificFilter | null = null;
    const garr = new GarrulousFilter();
    handler.addFilter(garr);
    try {
      logAtAllLevels(t, t.rootLogger);
      const first_lines = [
        // Notice how 'Garrulous' is missing
        ["Boring", "1"],
        ["Chatterbox", "2"],
        ["Talkative", "4"],
        ["Verbose", "5"],
        ["Sociable", "6"],
        ["Effusive", "7"],
        ["Terse", "8"],
        ["Taciturn", "9"],
        ["Silent", "10"],
      ];
      t.assertLogLines(first_lines);

      specific_filter = new VerySpecificFilter();
      t.rootLogger.addFilter(specific_filter);
      logAtAllLevels(t, t.rootLogger);
      t.assertLogLines([
        ...first_lines,
        // Not only 'Garrulous' is still missing, but also 'Sociable' and 'Taciturn'
        ["Boring", "11"],
        ["Chatterbox", "12"],
        ["Talkative", "14"],
        ["Verbose", "15"],
        ["Effusive", "17"],
        ["Terse", "18"],
        ["Silent", "20"],
      ]);
    } finally {
      if (specific_filter) t.rootLogger.removeFilter(specific_filter);
      handler.removeFilter(garr);
    }
  }),
);

Deno.test("the level names are CPython's again after these tests", () => {
  // BaseTest's tear-down restored both tables: the custom names and the empty one are gone.
  const mapping = getLevelNamesMapping();
  assertEquals(Object.keys(mapping).sort(), [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "NOTSET",
    "WARN",
    "WARNING",
  ]);
  assertEquals(getLevelName(INFO), "INFO");
  assertEquals(getLevelName(SILENT), "Level 120");
});
