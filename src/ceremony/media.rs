//! Video recordings of a ceremony, the operator's markers, and video files attached after the seal.
//!
//! The operator marks when a camera or recorder starts and stops (several devices, restarts allowed); from then
//! on every ceremony journal entry carries the offset into each running recording. After the seal, the video
//! file itself can be attached: its SHA-256 and size are computed by streaming the file (with a progress
//! callback, since a ceremony video is gigabytes), then written with a journal entry as an addendum — the sealed
//! record itself never changes.

use std::io::Read;
use std::path::Path;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Recording, State, event, get, recordings, stamp};
use crate::clock::{Clock, millis_between, parse_time};
use crate::db::Db;
use crate::error::{Error, ErrorCode, Result};
use crate::journal::{self, Event};
use crate::plan::required_text;

fn not_voided(c: &super::Ceremony, step: &str) -> Result<()> {
    if c.state == State::Voided {
        return Err(Error::other(
            ErrorCode::State,
            format!("摇号 {} 已作废，不能“{step}”", c.id),
            format!("ceremony {} is voided: “{step}” is not allowed", c.id),
        ));
    }
    Ok(())
}

/// Marks that `device` (camera or recorder name) started recording now.
pub fn record_start(db: &mut Db, clock: &dyn Clock, id: i64, device: &str) -> Result<Recording> {
    let device = required_text("device", device)?;
    let now = clock.now();
    journal::transact(db, "ceremony.recording", |tx| {
        let c = get(tx, id)?;
        not_voided(&c, "record-start")?;
        if recordings(tx, id)?
            .iter()
            .any(|r| r.device == device && r.stopped_at.is_none())
        {
            return Err(Error::other(
                ErrorCode::State,
                format!("设备“{device}”正在录像；重新开始前请先停止"),
                format!("device “{device}” is already recording; stop it before starting again"),
            ));
        }
        tx.execute(
            "INSERT INTO recording (ceremony, device, started_at) VALUES (?1, ?2, ?3)",
            params![id, device, stamp(now)],
        )?;
        let rid = tx.last_insert_rowid();
        event(tx, now, &c, Event::RecordingStarted, json!({"device": device}))?;
        recordings(tx, id)?
            .into_iter()
            .find(|r| r.id == rid)
            .ok_or_else(|| {
                Error::other(
                    ErrorCode::Database,
                    "录像记录未写入",
                    "the recording was not written",
                )
            })
    })
}

/// Marks that `device` stopped recording now. The journal entry still carries its final offset.
pub fn record_stop(db: &mut Db, clock: &dyn Clock, id: i64, device: &str) -> Result<Recording> {
    let device = required_text("device", device)?;
    let now = clock.now();
    journal::transact(db, "ceremony.recording", |tx| {
        let c = get(tx, id)?;
        let running = recordings(tx, id)?
            .into_iter()
            .find(|r| r.device == device && r.stopped_at.is_none())
            .ok_or_else(|| {
                Error::other(
                    ErrorCode::State,
                    format!("设备“{device}”没有正在进行的录像"),
                    format!("device “{device}” is not recording"),
                )
            })?;
        let started = parse_time("recording.started_at", &running.started_at)?;
        event(
            tx,
            now,
            &c,
            Event::RecordingStopped,
            json!({"device": device, "duration_ms": millis_between(started, now)}),
        )?;
        tx.execute(
            "UPDATE recording SET stopped_at = ?2 WHERE id = ?1",
            params![running.id, stamp(now)],
        )?;
        Ok(Recording {
            stopped_at: Some(stamp(now)),
            ..running
        })
    })
}

/// Adds a free-text marker (e.g. "第二位见证人掷骰子") to the journal, with the video offsets.
pub fn mark(db: &mut Db, clock: &dyn Clock, id: i64, text: &str) -> Result<journal::Entry> {
    let text = required_text("text", text)?;
    let now = clock.now();
    journal::transact(db, "ceremony.mark", |tx| {
        let c = get(tx, id)?;
        not_voided(&c, "mark")?;
        event(tx, now, &c, Event::MarkerAdded, json!({"text": text}))
    })
}

/// A video file attached to a sealed record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Video {
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub attached_at: String,
}

/// The SHA-256 and size of a file, read in 1 MiB blocks; `progress(done, total)` is called after each block.
pub fn hash_file(path: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let total = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        done += n as u64;
        progress(done, total.max(done));
    }
    Ok((hex::encode(h.finalize()), done))
}

/// Attaches a video file to a sealed ceremony as a journaled addendum. The same content cannot be attached twice.
///
/// The three steps are public for a caller that must not hold the database while gigabytes are hashed (the
/// desktop app): [`check_attachable`], [`hash_file`], [`record_video`].
pub fn attach_video(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Video> {
    check_attachable(db, id)?;
    let (sha256, size) = hash_file(path, progress)?;
    record_video(db, clock, id, path, &sha256, size)
}

/// Whether a video may be attached to ceremony `id` (it is sealed): checked before its file is hashed.
pub fn check_attachable(db: &Db, id: i64) -> Result<()> {
    let c = get(db.conn(), id)?;
    super::require_state(&c, &[State::Sealed], "attach-video")
}

/// Records the video at `path`, of `size` bytes with SHA-256 `sha256` ([`hash_file`]), as a journaled addendum
/// of sealed ceremony `id`; refused if the same content is attached already.
pub fn record_video(
    db: &mut Db,
    clock: &dyn Clock,
    id: i64,
    path: &Path,
    sha256: &str,
    size: u64,
) -> Result<Video> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = clock.now();
    journal::transact(db, "ceremony.video", |tx| {
        let c = get(tx, id)?;
        super::require_state(&c, &[State::Sealed], "attach-video")?;
        let dup: Option<String> = tx
            .query_row(
                "SELECT file_name FROM video WHERE ceremony = ?1 AND sha256 = ?2",
                params![id, sha256],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = dup {
            return Err(Error::other(
                ErrorCode::Invalid,
                format!("内容相同的录像文件已附加（{other}）"),
                format!("a video with the same content is already attached ({other})"),
            ));
        }
        tx.execute(
            "INSERT INTO video (ceremony, file_name, size, sha256, attached_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, file_name, size as i64, sha256, stamp(now)],
        )?;
        event(
            tx,
            now,
            &c,
            Event::VideoAttached,
            json!({"file_name": file_name, "size": size, "sha256": sha256}),
        )?;
        Ok(Video {
            file_name: file_name.clone(),
            size,
            sha256: sha256.to_string(),
            attached_at: stamp(now),
        })
    })
}

/// The videos attached to a ceremony.
pub fn videos(conn: &rusqlite::Connection, id: i64) -> Result<Vec<Video>> {
    let mut stmt = conn.prepare_cached(
        "SELECT file_name, size, sha256, attached_at FROM video WHERE ceremony = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Video {
            file_name: r.get(0)?,
            size: r.get::<_, i64>(1)? as u64,
            sha256: r.get(2)?,
            attached_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_hash_streams_with_progress() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("录像.mp4");
        let data = vec![7u8; (1 << 20) + 5];
        std::fs::write(&p, &data).unwrap();
        let mut calls = Vec::new();
        let (h, n) = hash_file(&p, &mut |d, t| calls.push((d, t))).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(h, hex::encode(Sha256::digest(&data)));
        assert_eq!(calls, vec![(1 << 20, n), (n, n)]);
    }
}
