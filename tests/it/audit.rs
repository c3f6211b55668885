//! `fairdraw audit` on real database files that were tampered with the way someone with the file and a SQLite
//! tool could: one byte of a past payload, a deleted entry, two entries swapped, a stored outcome changed, a
//! table changed without a journal entry, and a journal rewritten with fresh hashes. Each time the audit names
//! the first entry or ceremony that does not match, with exit code 3.

use fairdraw::journal::{GENESIS, entry_hash};
use rusqlite::{Connection, params};

use super::ceremony::Env;
use super::crash::finished_scenario;

const LATER: &str = "2026-06-11T10:00:00+08:00";

/// Opens the database file as an attacker would, without fairdraw, and removes the guard triggers.
fn tamper(env: &Env) -> Connection {
    let c = Connection::open(&env.db).unwrap();
    c.execute_batch("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;")
        .unwrap();
    c
}

fn audit_fails(env: &Env) -> String {
    let out = env.run(LATER, &["audit"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

const GUARDS: &str = "warning: the journal's guard triggers have been removed\n";

fn seq_of(c: &Connection, event: &str, nth: usize) -> i64 {
    let seqs: Vec<i64> = c
        .prepare("SELECT seq FROM journal WHERE event = ?1 ORDER BY seq")
        .unwrap()
        .query_map([event], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    seqs[nth]
}

#[test]
fn an_untouched_database_passes_and_the_guards_refuse_changes() {
    let env = finished_scenario();
    let n: i64 = env
        .open()
        .conn()
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    let out = env.ok(LATER, &["audit"]);
    assert!(
        out.starts_with(&format!(
            "audit OK: {n} journal entries, the hash chain is intact; 2 ceremonies match the journal and their recomputation\njournal head: "
        )),
        "{out}"
    );
    let c = Connection::open(&env.db).unwrap();
    let e = c
        .execute("UPDATE journal SET payload = '{}' WHERE seq = 3", [])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the journal is append-only: entries cannot be changed"),
        "{e}"
    );
    let e = c.execute("DELETE FROM journal WHERE seq = 3", []).unwrap_err();
    assert!(
        e.to_string()
            .contains("the journal is append-only: entries cannot be deleted"),
        "{e}"
    );
}

#[test]
fn one_changed_byte_of_a_past_payload_is_found_at_that_entry() {
    let env = finished_scenario();
    let c = tamper(&env);
    let seq = seq_of(&c, "entropy_added", 0);
    let n = c
        .execute(
            "UPDATE journal SET payload = replace(payload, '\"entropy\":\"3141592\"', '\"entropy\":\"3141593\"') WHERE seq = ?1",
            [seq],
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        audit_fails(&env),
        format!(
            "audit FAILED: journal entry {seq} (entropy_added): its content does not match its hash — it was changed after it was written\n{GUARDS}"
        )
    );
    let out = env.run(LATER, &["--json", "audit"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problem"]["scope"], "journal");
    assert_eq!(
        v["problem"]["problem"],
        serde_json::json!({"kind": "content", "seq": seq, "event": "entropy_added"})
    );
    assert_eq!(v["guards_intact"], false);
}

#[test]
fn a_deleted_entry_is_found() {
    let env = finished_scenario();
    let c = tamper(&env);
    let seq = seq_of(&c, "ceremony_voided", 0);
    c.execute("DELETE FROM journal WHERE seq = ?1", [seq]).unwrap();
    assert_eq!(
        audit_fails(&env),
        format!(
            "audit FAILED: journal entry {seq}: found sequence number {} where {seq} was expected — an entry was deleted or the entries were reordered\n{GUARDS}",
            seq + 1
        )
    );
}

#[test]
fn two_swapped_entries_are_found_at_the_first_of_them() {
    let env = finished_scenario();
    let c = tamper(&env);
    let a = seq_of(&c, "witness_added", 0);
    let b = a + 1;
    let event_b: String = c
        .query_row("SELECT event FROM journal WHERE seq = ?1", [b], |r| r.get(0))
        .unwrap();
    c.execute_batch(&format!(
        "UPDATE journal SET seq = -1 WHERE seq = {a}; UPDATE journal SET seq = {a} WHERE seq = {b}; UPDATE journal SET seq = {b} WHERE seq = -1;"
    ))
    .unwrap();
    assert_eq!(event_b, "witness_added");
    assert_eq!(
        audit_fails(&env),
        format!(
            "audit FAILED: journal entry {a} ({event_b}): its content does not match its hash — it was changed after it was written\n{GUARDS}"
        )
    );
}

#[test]
fn a_changed_stored_outcome_is_found_by_recomputation() {
    let env = finished_scenario();
    let c = Connection::open(&env.db).unwrap();
    // Swap the B-stratum target for an entity that was not drawn.
    let n = c
        .execute(
            "UPDATE ceremony_outcome SET outcome = replace(outcome, '91431100MA4L0B011X', '91431100MA4L0B001X') WHERE ceremony = 2",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        audit_fails(&env),
        "audit FAILED: ceremony 2 (永市监抽〔2026〕8号 attempt 2): the stored outcome does not match the value recomputed from its frozen inputs\n"
    );
}

#[test]
fn a_table_changed_without_a_journal_entry_is_found_by_replay() {
    let env = finished_scenario();
    let c = Connection::open(&env.db).unwrap();
    c.execute(
        "UPDATE witness SET entropy = '3141593' WHERE ceremony = 2 AND seq = 1",
        [],
    )
    .unwrap();
    assert_eq!(
        audit_fails(&env),
        "audit FAILED: ceremony 2 (永市监抽〔2026〕8号 attempt 2): the witnesses or their entropy does not match the journal\n"
    );
    c.execute(
        "UPDATE witness SET entropy = '3141592' WHERE ceremony = 2 AND seq = 1",
        [],
    )
    .unwrap();
    c.execute("UPDATE ceremony SET state = 'revealed' WHERE id = 2", [])
        .unwrap();
    assert_eq!(
        audit_fails(&env),
        "audit FAILED: ceremony 2 (永市监抽〔2026〕8号 attempt 2): its state is revealed but replaying the journal gives sealed\n"
    );
}

/// A forger who also recomputes every hash after the changed entry keeps the chain intact, but meets one check
/// after another: the journal head recorded in the seal entry, then the tables, then the seal in the ceremony
/// row, then the recomputed seed. (And the record hash printed on the signed paper record would differ.)
#[test]
fn a_rewritten_chain_is_still_found_layer_after_layer() {
    let env = finished_scenario();
    let c = tamper(&env);
    let ceremony = "audit FAILED: ceremony 2 (永市监抽〔2026〕8号 attempt 2)";
    let seq = seq_of(&c, "entropy_added", 0);
    c.execute(
        "UPDATE journal SET payload = replace(payload, '\"entropy\":\"3141592\"', '\"entropy\":\"3141593\"') WHERE seq = ?1",
        [seq],
    )
    .unwrap();
    rehash(&c);
    let seal = seq_of(&c, "ceremony_sealed", 0);
    assert_eq!(
        audit_fails(&env),
        format!(
            "{ceremony}: journal entry {seal}: the journal head recorded at sealing is not the previous entry's hash\n{GUARDS}"
        )
    );
    // The forger fixes the head recorded in the seal entry and rehashes again.
    let (old_head, new_head): (String, String) = c
        .query_row(
            "SELECT json_extract(s.payload, '$.journal_head'), p.hash FROM journal s JOIN journal p ON p.seq = s.seq - 1 WHERE s.seq = ?1",
            [seal],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    c.execute(
        "UPDATE journal SET payload = replace(payload, ?2, ?3) WHERE seq = ?1",
        params![seal, old_head, new_head],
    )
    .unwrap();
    rehash(&c);
    assert_eq!(
        audit_fails(&env),
        format!("{ceremony}: the witnesses or their entropy does not match the journal\n{GUARDS}")
    );
    c.execute(
        "UPDATE witness SET entropy = '3141593' WHERE ceremony = 2 AND seq = 1",
        [],
    )
    .unwrap();
    assert_eq!(
        audit_fails(&env),
        format!("{ceremony}: the record hash or the seal does not match the journal\n{GUARDS}")
    );
    c.execute("UPDATE ceremony SET journal_head = ?1 WHERE id = 2", [&new_head])
        .unwrap();
    assert_eq!(
        audit_fails(&env),
        format!(
            "{ceremony}: the stored seed does not match the value recomputed from its frozen inputs\n{GUARDS}"
        )
    );
}

/// Recomputes every entry's hash and link, as a careful forger would.
fn rehash(c: &Connection) {
    let rows: Vec<(i64, String, String, Option<i64>, String)> = c
        .prepare("SELECT seq, at, event, ceremony_id, payload FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut prev = GENESIS;
    for (seq, at, event, ceremony, payload) in rows {
        let h = entry_hash(seq, &at, &event, ceremony, &payload, &prev);
        c.execute(
            "UPDATE journal SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![seq, hex::encode(prev), hex::encode(h)],
        )
        .unwrap();
        prev = h;
    }
}
