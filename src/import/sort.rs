//! An external sort of byte records by key, with memory bounded independently of the number of records.
//!
//! The entity import sorts a million encoded rows by credit code before upserting them in key order (see
//! `registers::upsert_sorted_entities`). Records are collected in one buffer; when it holds more than the run
//! size, its records are sorted and written to an unnamed temporary file (a sorted run), and the buffer is
//! reused. At the end the runs and the last buffer are merged. Memory is the run size plus a read buffer per
//! run, whatever the number of records.
//!
//! The run files are unnamed (`tempfile::tempfile_in`): the operating system removes them when they are
//! closed, on every path out of an import, a crash included, so none is ever left behind. A failure to write
//! one (a full disk) is an error naming the folder and saying that nothing was changed, since the import's
//! transaction is then rolled back.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorCode, Result};

/// The run size used by imports: the memory the sort may hold before it spills.
pub const DEFAULT_RUN_BYTES: usize = 16 << 20;

/// The read buffer of each spilled run during the merge.
const RUN_READ_BUFFER: usize = 64 << 10;

/// Where a record's key lies within it.
pub type KeyFn = fn(&[u8]) -> Range<usize>;

/// A record of the current run: its bytes and its key in the run's buffer, and the key's first 16 bytes as a
/// big-endian number (zero-padded) so that most comparisons of the sort are one integer comparison rather
/// than a call to `memcmp`.
#[derive(Clone, Copy)]
struct Rec {
    start: usize,
    end: usize,
    key_start: usize,
    key_end: usize,
    prefix: u128,
}

/// The first 16 bytes of `key` as a big-endian number, zero-padded. If two prefixes differ, the keys compare as
/// their prefixes do (where a key is shorter, the padding compares as its end: the shorter key is a prefix of
/// the other one and sorts first); if they are equal, the whole keys decide.
fn key_prefix(key: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    let n = key.len().min(16);
    bytes[..n].copy_from_slice(&key[..n]);
    u128::from_be_bytes(bytes)
}

/// Sorts records (byte strings) by the key `key` locates in each, spilling sorted runs to temporary files.
/// Records with equal keys come out in the order they were pushed.
pub struct ExternalSort {
    key: KeyFn,
    dir: PathBuf,
    run_bytes: usize,
    /// Records of the current run back to back, and where each one and its key are.
    buffer: Vec<u8>,
    records: Vec<Rec>,
    runs: Vec<File>,
    count: u64,
}

impl ExternalSort {
    /// A sort that spills to unnamed files in `dir` once a run holds more than `run_bytes` bytes of records.
    pub fn new(dir: &Path, run_bytes: usize, key: KeyFn) -> Self {
        ExternalSort {
            key,
            dir: dir.to_path_buf(),
            run_bytes: run_bytes.max(1),
            buffer: Vec::new(),
            records: Vec::new(),
            runs: Vec::new(),
            count: 0,
        }
    }

    /// Adds the record that `write` appends to the buffer it is given.
    pub fn push(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let start = self.buffer.len();
        write(&mut self.buffer);
        let end = self.buffer.len();
        // The key is located once here rather than at every comparison of the sort.
        let key = (self.key)(&self.buffer[start..end]);
        let (key_start, key_end) = (
            start + key.start.min(end - start),
            start + key.end.min(end - start),
        );
        self.records.push(Rec {
            start,
            end,
            key_start,
            key_end,
            prefix: key_prefix(&self.buffer[key_start..key_end]),
        });
        self.count += 1;
        if self.buffer.len() >= self.run_bytes {
            self.spill()?;
        }
        Ok(())
    }

    /// How many records were pushed.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True if no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many runs were written to temporary files so far.
    pub fn spilled_runs(&self) -> usize {
        self.runs.len()
    }

    fn sort_current(&mut self) {
        let buffer = &self.buffer;
        self.records.sort_by(|a, b| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| buffer[a.key_start..a.key_end].cmp(&buffer[b.key_start..b.key_end]))
        });
    }

    /// Writes the current run, sorted, to a new temporary file as `u32` length + bytes per record.
    fn spill(&mut self) -> Result<()> {
        self.sort_current();
        let dir = self.dir.clone();
        let fail = |e: std::io::Error| spill_error(&dir, e);
        let file = tempfile::tempfile_in(&self.dir).map_err(fail)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        for r in &self.records {
            w.write_all(&((r.end - r.start) as u32).to_le_bytes())
                .map_err(fail)?;
            w.write_all(&self.buffer[r.start..r.end]).map_err(fail)?;
        }
        let mut file = w.into_inner().map_err(|e| fail(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(fail)?;
        self.runs.push(file);
        self.buffer.clear();
        self.records.clear();
        Ok(())
    }

    /// The records in key order.
    pub fn finish(mut self) -> Result<Merge> {
        self.sort_current();
        let mut sources: Vec<Source> = Vec::with_capacity(self.runs.len() + 1);
        for file in std::mem::take(&mut self.runs) {
            sources.push(Source::Run(BufReader::with_capacity(RUN_READ_BUFFER, file)));
        }
        sources.push(Source::Memory {
            buffer: std::mem::take(&mut self.buffer),
            records: std::mem::take(&mut self.records).into_iter(),
        });
        let mut merge = Merge {
            key: self.key,
            dir: self.dir.clone(),
            heads: Vec::with_capacity(sources.len()),
            sources,
        };
        for i in 0..merge.sources.len() {
            let mut head = Vec::new();
            let more = merge.sources[i]
                .next(&mut head)
                .map_err(|e| spill_error(&merge.dir, e))?;
            merge.heads.push(more.then_some(head));
        }
        Ok(merge)
    }
}

/// One sorted run being merged.
enum Source {
    Run(BufReader<File>),
    Memory {
        buffer: Vec<u8>,
        records: std::vec::IntoIter<Rec>,
    },
}

impl Source {
    /// Replaces `out` with the next record; false at the end.
    fn next(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        out.clear();
        match self {
            Source::Memory { buffer, records } => match records.next() {
                Some(r) => {
                    out.extend_from_slice(&buffer[r.start..r.end]);
                    Ok(true)
                }
                None => Ok(false),
            },
            Source::Run(r) => {
                let mut len = [0u8; 4];
                match r.read_exact(&mut len) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(e) => return Err(e),
                }
                let len = u32::from_le_bytes(len) as usize;
                out.resize(len, 0);
                r.read_exact(out)?;
                Ok(true)
            }
        }
    }
}

/// The merge of the sorted runs: [`Merge::next`] yields the records in key order.
pub struct Merge {
    key: KeyFn,
    dir: PathBuf,
    sources: Vec<Source>,
    /// The next record of each source (`None` once it is exhausted).
    heads: Vec<Option<Vec<u8>>>,
}

impl Merge {
    /// Replaces `out` with the next record in key order; false when all are out. Equal keys come out in the
    /// order of their runs, that is, the order they were pushed.
    pub fn next(&mut self, out: &mut Vec<u8>) -> Result<bool> {
        // A linear scan over the run heads: there are few runs (one per run size of input, under ten for a
        // million entities), and a heap would need the keys copied out.
        let key_of = self.key;
        fn key(f: KeyFn, r: &[u8]) -> &[u8] {
            &r[f(r)]
        }
        let mut best: Option<usize> = None;
        for (i, head) in self.heads.iter().enumerate() {
            if let Some(h) = head {
                let better = match best.and_then(|b| self.heads[b].as_deref()) {
                    None => true,
                    Some(b) => key(key_of, h) < key(key_of, b),
                };
                if better {
                    best = Some(i);
                }
            }
        }
        let Some(i) = best else {
            return Ok(false);
        };
        let Some(head) = self.heads[i].as_mut() else {
            return Ok(false);
        };
        std::mem::swap(head, out);
        let mut refill = std::mem::take(head);
        let more = self.sources[i]
            .next(&mut refill)
            .map_err(|e| spill_error(&self.dir, e))?;
        self.heads[i] = more.then_some(refill);
        Ok(true)
    }
}

/// A failure writing or reading back a temporary run: the import is rolled back, so nothing was changed.
fn spill_error(dir: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::StorageFull {
        Error::other(
            ErrorCode::Io,
            format!(
                "{}：磁盘已满，导入用的临时排序文件无法写入（{e}）；未作任何改动。请腾出磁盘空间后重试",
                dir.display()
            ),
            format!(
                "{}: the disk is full, the import's temporary sort files cannot be written ({e}); nothing was \
                 changed. Free some disk space and try again",
                dir.display()
            ),
        )
    } else {
        Error::other(
            ErrorCode::Io,
            format!(
                "{}：读写导入用的临时排序文件失败（{e}）；未作任何改动",
                dir.display()
            ),
            format!(
                "{}: writing or reading the import's temporary sort files failed ({e}); nothing was changed",
                dir.display()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_byte(_: &[u8]) -> Range<usize> {
        0..1
    }

    fn sorted(run_bytes: usize, records: &[&[u8]]) -> (Vec<Vec<u8>>, usize) {
        let dir = tempfile::tempdir().unwrap();
        let mut sort = ExternalSort::new(dir.path(), run_bytes, first_byte);
        for r in records {
            sort.push(|out| out.extend_from_slice(r)).unwrap();
        }
        assert_eq!(sort.len(), records.len() as u64);
        let runs = sort.spilled_runs();
        let mut merge = sort.finish().unwrap();
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while merge.next(&mut buf).unwrap() {
            out.push(buf.clone());
        }
        // The run files are unnamed: nothing is ever visible in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        (out, runs)
    }

    #[test]
    fn sorts_in_memory_and_across_spilled_runs_alike_keeping_equal_keys_in_order() {
        let records: Vec<Vec<u8>> = (0..200u32)
            .map(|i| vec![b'a' + ((i * 7) % 26) as u8, (i % 256) as u8, 0, (i / 256) as u8])
            .collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let mut expected = records.clone();
        expected.sort_by_key(|r| r[0]);
        let (in_memory, runs) = sorted(1 << 20, &refs);
        assert_eq!(runs, 0);
        assert_eq!(in_memory, expected);
        let (spilled, runs) = sorted(10, &refs);
        assert_eq!(runs, 66);
        assert_eq!(spilled, expected);
        assert_eq!(sorted(10, &[]).0, Vec::<Vec<u8>>::new());
    }

    proptest::proptest! {
        #[test]
        fn prefixes_order_keys_as_the_keys_do(a in proptest::collection::vec(0u8..4, 0..20), b in proptest::collection::vec(0u8..4, 0..20)) {
            let by_prefix = key_prefix(&a).cmp(&key_prefix(&b)).then_with(|| a.cmp(&b));
            proptest::prop_assert_eq!(by_prefix, a.cmp(&b));
        }
    }

    #[test]
    fn a_folder_that_cannot_hold_the_runs_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone");
        let mut sort = ExternalSort::new(&missing, 4, first_byte);
        let e = sort.push(|out| out.extend_from_slice(b"abcdef")).unwrap_err();
        let msg = e.message(crate::i18n::Lang::En);
        assert!(
            msg.starts_with(&format!(
                "{}: writing or reading the import's temporary sort files failed (",
                missing.display()
            )) && msg.ends_with("nothing was changed"),
            "{msg}"
        );
    }
}
