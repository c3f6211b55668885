-- Schema version 2: plans, tasks, ceremonies and what hangs off them, inspection results, the holiday calendar,
-- and the hash-chained journal. Migrations are append-only: once released, this file never changes.
-- Times are RFC 3339 with offset and milliseconds; dates YYYY-MM-DD; hashes 64 lower-case hex digits.

-- 年度抽查计划. Published plans are never edited in place without a plan_adjustment row recording it.
CREATE TABLE plan (
    id              INTEGER PRIMARY KEY,
    year            INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
    title           TEXT NOT NULL CHECK (title <> ''),
    departments     TEXT NOT NULL CHECK (json_valid(departments) AND json_type(departments) = 'array'),
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    published_on    TEXT CHECK (published_on IS NULL OR published_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    published_where TEXT,
    notes           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    CHECK ((status = 'draft') = (published_on IS NULL))
) STRICT;

-- 计划调整: what changed (before/after), who, when, and when and where the adjustment itself was published.
CREATE TABLE plan_adjustment (
    id              INTEGER PRIMARY KEY,
    plan            INTEGER NOT NULL REFERENCES plan (id),
    made_at         TEXT NOT NULL,
    operator        TEXT NOT NULL CHECK (operator <> ''),
    description     TEXT NOT NULL CHECK (description <> ''),
    before          TEXT NOT NULL CHECK (json_valid(before)),
    after           TEXT NOT NULL CHECK (json_valid(after)),
    published_on    TEXT CHECK (published_on IS NULL OR published_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    published_where TEXT
) STRICT;

CREATE INDEX plan_adjustment_plan ON plan_adjustment (plan);

-- 抽查任务 / 实施方案. `rules` is the draw-rule template (the protocol's §4.4 rules without task, attempt and
-- draw date); `adjustment` is the plan adjustment that added the task to an already published plan.
CREATE TABLE task (
    id                      INTEGER PRIMARY KEY,
    plan                    INTEGER NOT NULL REFERENCES plan (id),
    number                  TEXT NOT NULL UNIQUE CHECK (number <> ''),
    name                    TEXT NOT NULL CHECK (name <> ''),
    lead_department         TEXT NOT NULL REFERENCES department (code),
    participating           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(participating)),
    items                   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(items)),
    method                  TEXT NOT NULL CHECK (method IN ('实地检查', '书面检查', '网络监测', '检验检测', '委托专业机构', '其他部门结果')),
    planned_start           TEXT CHECK (planned_start IS NULL OR planned_start GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    planned_end             TEXT CHECK (planned_end IS NULL OR planned_end GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    result_handling         TEXT NOT NULL DEFAULT '',
    rules                   TEXT NOT NULL CHECK (json_valid(rules)),
    recusals                TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recusals)),
    adjustment              INTEGER REFERENCES plan_adjustment (id),
    frozen                  INTEGER NOT NULL DEFAULT 0 CHECK (frozen IN (0, 1)),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
) STRICT;

CREATE INDEX task_plan ON task (plan);

-- One attempt of a draw (一次摇号). The secret is stored at commit so that a crash resumes with the same
-- commitment. The large values (frozen inputs, outcome) live in their own tables below: a row with a 50 MB
-- blob would be rewritten by every small update of the ceremony (each revealed target), and every read of a
-- column stored after it would walk the blob's overflow pages.
CREATE TABLE ceremony (
    id                 INTEGER PRIMARY KEY,
    task               INTEGER NOT NULL REFERENCES task (id),
    attempt            INTEGER NOT NULL CHECK (attempt >= 1),
    state              TEXT NOT NULL CHECK (state IN ('prepared', 'frozen', 'committed', 'witnessed',
                           'entropy_collected', 'seeded', 'revealing', 'revealed', 'sealed', 'voided')),
    operator           TEXT NOT NULL CHECK (operator <> ''),
    draw_date          TEXT NOT NULL CHECK (draw_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    min_entropy_digits INTEGER NOT NULL DEFAULT 6 CHECK (min_entropy_digits >= 1),
    started_at         TEXT NOT NULL,
    summary            TEXT CHECK (summary IS NULL OR json_valid(summary)),
    fp_population      TEXT,
    fp_inspectors      TEXT,
    fp_recusals        TEXT,
    fp_rules           TEXT,
    fp_inputs          TEXT,
    secret_source      TEXT CHECK (secret_source IS NULL OR secret_source IN ('os', 'supplied')),
    secret             TEXT,
    commitment         TEXT,
    seed               TEXT,
    fp_outcome         TEXT,
    reveal_position    INTEGER NOT NULL DEFAULT 0 CHECK (reveal_position >= 0),
    journal_head       TEXT,
    record_hash        TEXT,
    sealed_at          TEXT,
    void_reason        TEXT,
    void_operator      TEXT,
    voided_at          TEXT,
    voided_in_state    TEXT,
    UNIQUE (task, attempt)
) STRICT;

-- At most one unfinished attempt per task.
CREATE UNIQUE INDEX ceremony_one_open_attempt ON ceremony (task) WHERE state NOT IN ('sealed', 'voided');

-- The frozen inputs (rules, population, inspector pool, recusals) as deflate-compressed canonical JSON, kept so
-- that `fairdraw audit` and the bundle can recompute everything after the registers have changed.
CREATE TABLE ceremony_inputs (
    ceremony INTEGER PRIMARY KEY NOT NULL REFERENCES ceremony (id),
    inputs   BLOB NOT NULL
) STRICT;

-- The outcome (the protocol's §10 JSON) and the names shown in the reveal, written once at the seed.
CREATE TABLE ceremony_outcome (
    ceremony INTEGER PRIMARY KEY NOT NULL REFERENCES ceremony (id),
    outcome  TEXT NOT NULL CHECK (json_valid(outcome)),
    display  TEXT NOT NULL CHECK (json_valid(display))
) STRICT;

-- 监督见证人, in the order they were recorded; their entropy in that order feeds the seed.
CREATE TABLE witness (
    id         INTEGER PRIMARY KEY,
    ceremony   INTEGER NOT NULL REFERENCES ceremony (id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    name       TEXT NOT NULL CHECK (name <> ''),
    role       TEXT NOT NULL CHECK (role IN ('人大代表', '政协委员', '公证员', '新闻媒体', '行业协会', '纪检监察', '企业代表', '其他')),
    unit       TEXT NOT NULL DEFAULT '',
    entropy    TEXT,
    entropy_at TEXT,
    added_at   TEXT NOT NULL,
    UNIQUE (ceremony, seq)
) STRICT;

-- Video recordings of a ceremony (录像): several devices, restarts allowed.
CREATE TABLE recording (
    id         INTEGER PRIMARY KEY,
    ceremony   INTEGER NOT NULL REFERENCES ceremony (id),
    device     TEXT NOT NULL CHECK (device <> ''),
    started_at TEXT NOT NULL,
    stopped_at TEXT
) STRICT;

CREATE INDEX recording_ceremony ON recording (ceremony);

-- Video files attached after sealing, as addenda to the record.
CREATE TABLE video (
    id          INTEGER PRIMARY KEY,
    ceremony    INTEGER NOT NULL REFERENCES ceremony (id),
    file_name   TEXT NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    sha256      TEXT NOT NULL,
    attached_at TEXT NOT NULL
) STRICT;

-- A reserve (替补) that replaced a target which could not be inspected.
CREATE TABLE reserve_use (
    id        INTEGER PRIMARY KEY,
    ceremony  INTEGER NOT NULL REFERENCES ceremony (id),
    target    TEXT NOT NULL,
    reserve   TEXT NOT NULL,
    stratum   TEXT NOT NULL,
    grp       INTEGER,
    reason    TEXT NOT NULL CHECK (reason <> ''),
    operator  TEXT NOT NULL CHECK (operator <> ''),
    used_at   TEXT NOT NULL,
    UNIQUE (ceremony, target),
    UNIQUE (ceremony, reserve)
) STRICT;

-- A target the draw left unassigned (or a reserve without a recusal-free group), assigned by hand.
CREATE TABLE manual_assignment (
    id          INTEGER PRIMARY KEY,
    ceremony    INTEGER NOT NULL REFERENCES ceremony (id),
    target      TEXT NOT NULL,
    grp         INTEGER NOT NULL CHECK (grp >= 1),
    reason      TEXT NOT NULL CHECK (reason <> ''),
    operator    TEXT NOT NULL CHECK (operator <> ''),
    assigned_at TEXT NOT NULL,
    UNIQUE (ceremony, target)
) STRICT;

-- 检查结果, one per inspected entity of a sealed ceremony.
CREATE TABLE result (
    id           INTEGER PRIMARY KEY,
    ceremony     INTEGER NOT NULL REFERENCES ceremony (id),
    entity_code  TEXT NOT NULL,
    category     TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('实地检查', '书面检查', '网络监测', '检验检测', '委托专业机构', '其他部门结果')),
    disposal     TEXT NOT NULL DEFAULT '',
    check_end    TEXT NOT NULL CHECK (check_end GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    remarks      TEXT NOT NULL DEFAULT '',
    deadline     TEXT NOT NULL CHECK (deadline GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    published_on TEXT CHECK (published_on IS NULL OR published_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    recorded_at  TEXT NOT NULL,
    UNIQUE (ceremony, entity_code)
) STRICT;

-- Holidays and the make-up workdays (调休) on weekends, for the working-day deadlines.
CREATE TABLE calendar_day (
    date TEXT PRIMARY KEY NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- The hash-chained journal. See journal.rs and docs/draw-protocol.md ("Journal and record hash").
CREATE TABLE journal (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    event       TEXT NOT NULL,
    ceremony_id INTEGER REFERENCES ceremony (id),
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

CREATE INDEX journal_ceremony ON journal (ceremony_id);

-- Defence in depth: the journal is append-only. (The hash chain is what detects a change made around this.)
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be changed');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be deleted');
END;
