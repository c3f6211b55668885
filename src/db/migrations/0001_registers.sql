-- Schema version 1: the four registers (名录库 and 清单) and the log of imports.
-- Migrations are append-only: once released, a migration file never changes; a change is a new file.

CREATE TABLE department (
    code       TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Yongzhou's joint-meeting departments (永政办函〔2019〕35号, 附件), in the order of the list.
INSERT INTO department (code, name, sort_order) VALUES
    ('D01', '市场监管局', 1),
    ('D02', '司法局', 2),
    ('D03', '行政审批服务局', 3),
    ('D04', '教育局', 4),
    ('D05', '公安局', 5),
    ('D06', '人社局', 6),
    ('D07', '生态环境局', 7),
    ('D08', '住建局', 8),
    ('D09', '交通运输局', 9),
    ('D10', '农业农村局', 10),
    ('D11', '商务局', 11),
    ('D12', '文旅广体局', 12),
    ('D13', '卫健委', 13),
    ('D14', '应急管理局', 14),
    ('D15', '税务局', 15),
    ('D16', '统计局', 16),
    ('D17', '永州海关', 17);

CREATE TABLE entity (
    code           TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    entity_type    TEXT NOT NULL DEFAULT '',
    industry       TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    authority      TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    town           TEXT NOT NULL DEFAULT '',
    established    TEXT CHECK (established IS NULL OR established GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status         TEXT NOT NULL DEFAULT '',
    risk_class     TEXT CHECK (risk_class IS NULL OR risk_class IN ('A', 'B', 'C', 'D')),
    tags           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    last_inspected TEXT CHECK (last_inspected IS NULL OR last_inspected GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT, WITHOUT ROWID;

CREATE TABLE inspector (
    staff_no                TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL,
    department              TEXT NOT NULL REFERENCES department (code),
    certificate_no          TEXT NOT NULL DEFAULT '',
    certificate_valid_until TEXT CHECK (certificate_valid_until IS NULL OR certificate_valid_until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    qualifications          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(qualifications)),
    expert                  INTEGER NOT NULL DEFAULT 0 CHECK (expert IN (0, 1)),
    region                  TEXT NOT NULL DEFAULT '',
    status                  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX inspector_department ON inspector (department);

CREATE TABLE item (
    code                   TEXT PRIMARY KEY NOT NULL,
    name                   TEXT NOT NULL,
    department             TEXT NOT NULL REFERENCES department (code),
    legal_basis            TEXT NOT NULL DEFAULT '',
    subject                TEXT NOT NULL DEFAULT '',
    object                 TEXT NOT NULL DEFAULT '',
    method                 TEXT NOT NULL DEFAULT '',
    ratio_frequency        TEXT NOT NULL DEFAULT '',
    inspector_requirements TEXT NOT NULL DEFAULT '',
    notes                  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX item_department ON item (department);

-- One row per import run: which file (by name and SHA-256) went into which register, when, with what counts.
CREATE TABLE import_run (
    id          INTEGER PRIMARY KEY,
    register    TEXT NOT NULL CHECK (register IN ('departments', 'entities', 'inspectors', 'items')),
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    added       INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    partial     INTEGER NOT NULL CHECK (partial IN (0, 1))
) STRICT;
