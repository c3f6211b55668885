//! Failure behaviour of the real binary on Linux: a database locked by another process, a read-only database
//! file, a read-only folder (a read-only file system), a full disk and a file-size limit. Each must give a
//! clear message in Chinese and English naming the file, and leave the stored data exactly as it was.
//!
//! Making a file read-only does not stop root, and these tests run as root in CI. As root they use a private
//! mount namespace (`unshare -m`, from util-linux) with a read-only bind mount or a tiny tmpfs; as another user
//! they use file permissions and `RLIMIT_FSIZE`. Nothing is skipped: where a mechanism is missing, the test
//! fails and says what to install or how to run it.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::backup::dump;
use super::ceremony::{Env, words};

const NOW: &str = "2026-06-01T10:00:00+08:00";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `unshare -m` must work for the root variants of these tests.
fn require_unshare() {
    let ok = Command::new("unshare")
        .args(["-m", "true"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "these failure tests run as root and need `unshare -m` (Debian package util-linux) and the right to \
         create a mount namespace (CAP_SYS_ADMIN); install util-linux, or run the tests as a non-root user, \
         where they use file permissions instead"
    );
}

/// Runs `script` with `sh` as root in a private mount namespace, with `vars` in its environment. Mounts made
/// there vanish with the process.
fn in_namespace(script: &str, vars: &[(&str, &OsStr)]) -> Output {
    require_unshare();
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-c", script]);
    for (k, v) in vars {
        c.env(k, v);
    }
    c.env("FAIRDRAW", env!("CARGO_BIN_EXE_fairdraw"))
        .env("FAIRDRAW_NOW", NOW)
        .env_remove("FAIRDRAW_FAULT");
    c.output().unwrap()
}

/// A database with a department import and a plan, its WAL checkpointed so the file alone holds it.
fn populated() -> Env {
    let env = Env::new();
    let deps = env.write("departments.csv", "部门编码,部门名称\nD01,市场监管局\n");
    env.ok(NOW, &["import", "departments", &deps]);
    env.ok(
        NOW,
        &words("plan create --year 2026 --title 年度计划 --departments D01"),
    );
    settle(&env.db);
    env
}

fn settle(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

/// An entities CSV of `n` demo entities (valid credit codes), in a file of its own folder.
fn entities_csv(dir: &Path, n: u64) -> PathBuf {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut text = String::from("统一社会信用代码,企业名称,住所,所属区域,信用风险分类\n");
    for e in fairdraw::demo::entities(b"failures", n, as_of) {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            e.code,
            e.name,
            e.address,
            e.region,
            e.risk_class.map(|r| r.as_str()).unwrap_or("")
        ));
    }
    let p = dir.join("entities.csv");
    std::fs::write(&p, text).unwrap();
    p
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `fairdraw --lang LANG ARGS` on `env` with a short lock wait.
fn run(env: &Env, lang: &str, args: &[&str]) -> Output {
    env.cmd(NOW, args)
        .args(["--lang", lang])
        .env("FAIRDRAW_BUSY_TIMEOUT_MS", "200")
        .output()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------------------
// Locked

/// Another process holds the write lock while `args` runs: exit code 4, the busy message in both languages
/// naming the file, and nothing changed once the other process lets go.
fn busy_while_locked(env: &Env, args: &[&str]) {
    let holder = rusqlite::Connection::open(&env.db).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO calendar_day (date, kind, name) VALUES ('2026-10-01', 'holiday', '国庆');")
        .unwrap();
    let before = {
        let reader = rusqlite::Connection::open(&env.db).unwrap();
        drop(reader);
        dump(&env.db)
    };
    for (lang, text) in [
        (
            "en",
            format!(
                "error: {}: the database is busy (another fairdraw process is using it); try again when it has finished",
                env.db.display()
            ),
        ),
        (
            "zh",
            format!(
                "错误: {}：数据库正被另一个 fairdraw 进程使用，请待其完成后再试",
                env.db.display()
            ),
        ),
    ] {
        let out = run(env, lang, args);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim_end(), text, "{args:?}");
        assert!(out.stdout.is_empty(), "nothing is reported as done");
    }
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(dump(&env.db), before, "{args:?} changed the database");
}

#[test]
fn an_import_into_a_locked_database_is_busy_and_changes_nothing() {
    let env = populated();
    let csv = entities_csv(env.dir.path(), 50);
    busy_while_locked(&env, &["import", "entities", csv.to_str().unwrap()]);
    // Once the lock is gone the same import works and is journaled.
    env.ok(NOW, &["import", "entities", csv.to_str().unwrap()]);
    assert!(env.ok(NOW, &["audit"]).starts_with("audit OK: 3 journal entries"));
}

#[test]
fn a_ceremony_step_on_a_locked_database_is_busy_and_changes_nothing() {
    let env = Env::new();
    super::crash::scenario_registers(&env.open());
    let rules = env.write("rules.json", &super::crash::rules().to_string());
    env.ok(
        NOW,
        &words("plan create --year 2026 --title 计划 --departments D01,D13"),
    );
    env.ok(
        NOW,
        &[
            "task",
            "create",
            "--plan",
            "1",
            "--number",
            "永市监抽〔2026〕9号",
            "--name",
            "联合抽查",
            "--lead",
            "D01",
            "--participating",
            "D13",
            "--method",
            "实地检查",
            "--rules",
            &rules,
        ],
    );
    env.ok(NOW, &words("plan publish 1 --on 2026-06-01 --where 门户网站"));
    env.ok(
        NOW,
        &["ceremony", "start", "永市监抽〔2026〕9号", "--operator", "张三"],
    );
    busy_while_locked(&env, &words("ceremony freeze 1"));
    env.ok(NOW, &words("ceremony freeze 1"));
}

#[test]
fn a_backup_of_a_locked_database_is_busy_and_writes_no_file() {
    let env = populated();
    let out = env.path("b.sqlite3");
    busy_while_locked(&env, &["backup", out.to_str().unwrap()]);
    assert!(!out.exists());
    assert!(
        !std::fs::read_dir(env.dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Read-only file, read-only folder / file system

/// The messages of a write refused because the database cannot be written.
fn assert_read_only_message(err: &str, db: &Path) {
    let db = db.display();
    assert!(
        err.contains(&format!(
            "{db}: the database cannot be written: the file, its folder or the disk is read-only"
        )) || err.contains(&format!("{db}: the database file cannot be opened (")),
        "{err}"
    );
    assert!(
        err.contains("nothing was changed") || err.contains("can be read and written"),
        "{err}"
    );
}

#[test]
fn a_read_only_database_file_refuses_writes_and_keeps_its_data() {
    let env = populated();
    let csv = entities_csv(env.dir.path(), 20);
    let before = std::fs::read(&env.db).unwrap();
    let db = env.db.to_str().unwrap();
    let (en, zh) = if is_root() {
        let script = r#"mount --bind "$DB" "$DB" && mount -o remount,ro,bind "$DB" || exit 99
            "$FAIRDRAW" --db "$DB" --lang en import entities "$CSV"; echo "exit=$?" >&2
            "$FAIRDRAW" --db "$DB" --lang zh import entities "$CSV""#;
        let o = in_namespace(script, &[("DB", env.db.as_os_str()), ("CSV", csv.as_os_str())]);
        assert_ne!(o.status.code(), Some(99), "mount failed: {}", stderr(&o));
        let err = stderr(&o);
        let (en, zh) = err.split_once("exit=").unwrap();
        (en.to_string(), zh.to_string())
    } else {
        let mut perm = std::fs::metadata(&env.db).unwrap().permissions();
        use std::os::unix::fs::PermissionsExt;
        perm.set_mode(0o444);
        std::fs::set_permissions(&env.db, perm).unwrap();
        let a = run(&env, "en", &["import", "entities", csv.to_str().unwrap()]);
        let b = run(&env, "zh", &["import", "entities", csv.to_str().unwrap()]);
        (stderr(&a), stderr(&b))
    };
    assert_read_only_message(&en, &env.db);
    assert!(zh.contains(db) && zh.contains("未作任何改动"), "{zh}");
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
}

#[test]
fn a_read_only_folder_refuses_writes_and_backups_into_it() {
    let env = populated();
    let csv_dir = tempfile::tempdir().unwrap();
    let csv = entities_csv(csv_dir.path(), 20);
    let before = std::fs::read(&env.db).unwrap();
    let dir = env.dir.path();
    let backup = dir.join("backup.sqlite3");
    let outputs = if is_root() {
        let script = r#"mount --bind "$DIR" "$DIR" && mount -o remount,ro,bind "$DIR" || exit 99
            "$FAIRDRAW" --db "$DB" --lang en import entities "$CSV"; echo "exit=$?" >&2
            "$FAIRDRAW" --db "$DB" --lang en backup "$BACKUP"; echo "exit=$?" >&2"#;
        let o = in_namespace(
            script,
            &[
                ("DIR", dir.as_os_str()),
                ("DB", env.db.as_os_str()),
                ("CSV", csv.as_os_str()),
                ("BACKUP", backup.as_os_str()),
            ],
        );
        assert_ne!(o.status.code(), Some(99), "mount failed: {}", stderr(&o));
        stderr(&o)
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let a = run(&env, "en", &["import", "entities", csv.to_str().unwrap()]);
        let b = run(&env, "en", &["backup", backup.to_str().unwrap()]);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        format!(
            "{}exit={:?}\n{}exit={:?}\n",
            stderr(&a),
            a.status.code(),
            stderr(&b),
            b.status.code()
        )
    };
    let parts: Vec<&str> = outputs.split("exit=").collect();
    assert_read_only_message(parts[0], &env.db);
    // In WAL mode even reading needs the `-shm` file beside the database, so a read-only folder stops the
    // backup at opening the database, with the same message.
    assert_read_only_message(parts[1], &env.db);
    assert!(!backup.exists());
    assert_eq!(std::fs::read(&env.db).unwrap(), before);
    assert!(
        !std::fs::read_dir(dir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Disk full, file size limit

/// Asserts that `part` of a command's stderr is the error `what` and says nothing was changed.
fn assert_disk_full(part: &str, what: &str, err: &str) {
    assert!(
        part.contains(&format!("error: {what}"))
            && part.contains("nothing was changed. Free some disk space and try again"),
        "{err}"
    );
}

/// For a full-disk test: a populated database and its dump, an entities CSV of `n` rows in a folder of its own
/// (kept alive by the returned `TempDir`), and an empty folder `name` beside the database to mount on.
fn to_fill(n: u64, name: &str) -> (Env, tempfile::TempDir, PathBuf, Vec<String>, PathBuf) {
    let env = populated();
    let csv_dir = tempfile::tempdir().unwrap();
    let csv = entities_csv(csv_dir.path(), n);
    let before = dump(&env.db);
    let mnt = env.dir.path().join(name);
    std::fs::create_dir(&mnt).unwrap();
    (env, csv_dir, csv, before, mnt)
}

#[test]
fn a_full_disk_fails_an_import_clearly_and_keeps_the_data() {
    let (env, _csv_dir, csv, before, mnt) = to_fill(20_000, "full");
    let out = tempfile::tempdir().unwrap();
    if !is_root() {
        panic!(
            "this test mounts a 1 MiB tmpfs to fill the disk and must run as root (as CI does): \
             `sudo -E cargo test --test it failures::a_full_disk`; \
             the file-size-limit test covers the same path for other users"
        );
    }
    // The database is copied onto a tmpfs with 256 KiB to spare; the import needs megabytes. Before the backup
    // the rest of the space is filled, so the backup cannot be written either.
    let size = (std::fs::metadata(&env.db).unwrap().len() / 4096 + 64 + 8) * 4096;
    let script = r#"mount -t tmpfs -o size="$SIZE" tmpfs "$MNT" || exit 99
        cp "$DB" "$MNT/f.sqlite3"
        "$FAIRDRAW" --db "$MNT/f.sqlite3" --lang en import entities "$CSV"; echo "exit=$?" >&2
        "$FAIRDRAW" --db "$MNT/f.sqlite3" --lang zh import entities "$CSV"; echo "exit=$?" >&2
        dd if=/dev/zero of="$MNT/filler" bs=4096 2>/dev/null
        "$FAIRDRAW" --db "$MNT/f.sqlite3" --lang en backup "$MNT/b.sqlite3"; echo "exit=$?" >&2
        ls -A "$MNT" >&2
        cp "$MNT"/f.sqlite3* "$OUT"/"#;
    let o = in_namespace(
        script,
        &[
            ("SIZE", OsStr::new(&size.to_string())),
            ("MNT", mnt.as_os_str()),
            ("DB", env.db.as_os_str()),
            ("CSV", csv.as_os_str()),
            ("OUT", out.path().as_os_str()),
        ],
    );
    assert_ne!(o.status.code(), Some(99), "mount failed: {}", stderr(&o));
    let err = stderr(&o);
    let parts: Vec<&str> = err.split("exit=").collect();
    let db_name = mnt.join("f.sqlite3");
    assert_disk_full(
        parts[0],
        &format!(
            "{}: the disk is full, the database cannot be written (",
            db_name.display()
        ),
        &err,
    );
    assert!(parts[1].starts_with("1\n"), "{err}");
    assert!(
        parts[1].contains("磁盘已满，数据库无法写入") && parts[1].contains("未作任何改动"),
        "{err}"
    );
    // With no byte left, opening the database already fails (SQLite cannot extend its `-shm` file); with a
    // little left, writing the copy does. Either way the message names the file and no backup is left.
    assert!(parts[2].starts_with("1\n"), "{err}");
    assert!(
        parts[2].contains(&format!(
            "{}: reading or writing the database file failed (disk I/O error); nothing was changed",
            db_name.display()
        )) || parts[2].contains("b.sqlite3: writing the backup failed ("),
        "{err}"
    );
    let listing = parts[3].lines().skip(1).collect::<Vec<_>>();
    assert!(!listing.iter().any(|l| l.contains("b.sqlite3")), "{err}");
    assert_eq!(dump(&out.path().join("f.sqlite3")), before);
}

/// rust_xlsxwriter panics (an `expect` in the crate) when its constant-memory worksheet cannot write its
/// temporary file; on a full disk `fairdraw demo --format xlsx` must fail with a message naming the file, not
/// a crash (exit code 101).
#[test]
fn a_full_disk_fails_writing_an_xlsx_file_clearly() {
    if !is_root() {
        panic!(
            "this test mounts a small tmpfs to fill the disk and must run as root (as CI does): \
             `sudo -E cargo test --test it failures::a_full_disk`"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("full");
    std::fs::create_dir(&mnt).unwrap();
    let script = r#"mount -t tmpfs -o size=256k tmpfs "$MNT" || exit 99
        TMPDIR="$MNT" "$FAIRDRAW" --lang en demo --entities 20000 --format xlsx --out "$MNT/demo"; echo "exit=$?" >&2
        TMPDIR="$MNT" "$FAIRDRAW" --lang zh demo --entities 20000 --format xlsx --out "$MNT/demo2"; echo "exit=$?" >&2"#;
    let o = in_namespace(script, &[("MNT", mnt.as_os_str())]);
    assert_ne!(o.status.code(), Some(99), "mount failed: {}", stderr(&o));
    let err = stderr(&o);
    let parts: Vec<&str> = err.split("exit=").collect();
    assert!(
        parts[1].starts_with("1\n") && parts[2].starts_with("1\n"),
        "{err}"
    );
    assert!(
        parts[0].contains(&format!(
            "error: {}",
            mnt.join("demo").join(".entities.xlsx.part").display()
        )) && parts[0].contains(
            ": writing the xlsx file failed: the disk is full or the temporary folder cannot be written ("
        ),
        "{err}"
    );
    assert!(parts[1].contains("写入 xlsx 失败：磁盘已满"), "{err}");
}

#[test]
fn a_full_temporary_folder_fails_an_entity_import_clearly_and_keeps_the_data() {
    // More encoded rows than one sort run (`import::sort::DEFAULT_RUN_BYTES`) holds, so the sort must spill.
    let (env, _csv_dir, csv, before, mnt) = to_fill(120_000, "tmp");
    if !is_root() {
        panic!(
            "this test mounts a 1 MiB tmpfs as the temporary folder and must run as root (as CI does): \
             `sudo -E cargo test --test it failures::a_full_temporary_folder`"
        );
    }
    let script = r#"mount -t tmpfs -o size=1M tmpfs "$MNT" || exit 99
        TMPDIR="$MNT" "$FAIRDRAW" --db "$DB" --lang en import entities "$CSV"; echo "exit=$?" >&2
        ls -A "$MNT" >&2"#;
    let o = in_namespace(
        script,
        &[
            ("MNT", mnt.as_os_str()),
            ("DB", env.db.as_os_str()),
            ("CSV", csv.as_os_str()),
        ],
    );
    assert_ne!(o.status.code(), Some(99), "mount failed: {}", stderr(&o));
    let err = stderr(&o);
    let parts: Vec<&str> = err.split("exit=").collect();
    assert_disk_full(
        parts[0],
        &format!(
            "{}: the disk is full, the import's temporary sort files cannot be written (",
            mnt.display()
        ),
        &err,
    );
    // Exit code 1, and no temporary file left in the folder.
    assert_eq!(parts[1].trim(), "1", "{err}");
    assert_eq!(dump(&env.db), before);
}

#[test]
fn a_file_size_limit_fails_an_import_clearly_and_keeps_the_data() {
    let env = populated();
    let csv = entities_csv(env.dir.path(), 20_000);
    let before = dump(&env.db);
    // Every file the process writes may grow to 64 KiB past the database's size; the WAL of the import
    // needs megabytes. SIGXFSZ is ignored so that write(2) fails with EFBIG instead of killing the process.
    let limit = std::fs::metadata(&env.db).unwrap().len() + 64 * 1024;
    let mut cmd = env.cmd(NOW, &["import", "entities", csv.to_str().unwrap()]);
    // SAFETY: between fork and exec only async-signal-safe calls: signal(2) and setrlimit(2).
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let r = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &r) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {}: reading or writing the database file failed (",
            env.db.display()
        )) && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(dump(&env.db), before);
    assert!(env.ok(NOW, &["audit"]).starts_with("audit OK: 2 journal entries"));
}

// ---------------------------------------------------------------------------------------------------------
// Small things

#[test]
fn a_folder_given_as_the_database_is_named_in_the_error() {
    let env = Env::new();
    let folder = env.dir.path().join("data");
    std::fs::create_dir(&folder).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fairdraw"))
        .args([
            "--db",
            folder.to_str().unwrap(),
            "--lang",
            "en",
            "list",
            "departments",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {}: this is a folder, not a database file; name a file, e.g. {}",
            folder.display(),
            folder.join("fairdraw.sqlite3").display()
        )
    );
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        0,
        "nothing was created in it"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let env = populated();
    let csv = entities_csv(env.dir.path(), 3000);
    env.ok(NOW, &["import", "entities", csv.to_str().unwrap()]);
    // `head -c 1` closes the pipe after one byte while `list` still has thousands of lines to write.
    let script =
        r#""$FAIRDRAW" --db "$DB" list entities 2>"$ERR" | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}""#;
    let err = env.dir.path().join("stderr.txt");
    let o = Command::new("bash")
        .args(["-c", script])
        .env("FAIRDRAW", env!("CARGO_BIN_EXE_fairdraw"))
        .env("DB", &env.db)
        .env("ERR", &err)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "0",
        "the command's own exit code"
    );
    assert_eq!(std::fs::read_to_string(&err).unwrap(), "", "no panic message");
}
