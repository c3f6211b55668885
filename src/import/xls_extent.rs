//! A check of an `.xls` workbook's container and sheet sizes before calamine reads it.
//!
//! calamine 0.38 reads every sheet of an `.xls` workbook when it opens it, into a dense grid sized by the
//! extreme row and column numbers of the cells (`Range::from_sparse`), after reserving room for as many cells
//! as the sheet's DIMENSIONS record declares; and before that it follows the OLE container's sector chains
//! with no bound. A damaged file of a few kilobytes — a looping chain (found by the `xls_import` fuzzer: a
//! 5.4 KB file needing more than 2 GB), one cell at row 65,535, column 65,535, or a DIMENSIONS record declaring
//! billions of cells — therefore makes it ask for gigabytes. An office PC must get a clear "damaged file"
//! message instead of running out of memory.
//!
//! So before calamine sees an OLE `.xls`, this module walks the same BIFF records calamine will walk (the
//! workbook globals for the sheets' stream offsets, then each sheet's records up to its EOF, skipping nested
//! chart substreams as calamine does) and refuses the file when a sheet declares or uses an area larger than
//! any real `.xls` sheet can hold: 65,536 rows × 256 columns. Everything else (syntax errors in records,
//! unknown record types) is left to calamine, whose errors are already reported as "cannot read the file".
//!
//! The workbook stream is read from the compound file the way calamine's own `cfb.rs` reads it (the `cfb`
//! crate is stricter and refuses files calamine reads), with bounds where calamine has none: a sector chain
//! that loops, or a list of allocation sectors longer than the file, is refused as damaged too.
use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::problem::ImportError;
use crate::error::Result;

/// The largest sheet of the BIFF8 format (Excel 97–2003): 65,536 rows × 256 columns (IV).
pub const MAX_SHEET_CELLS: u64 = 65_536 * 256;

/// What a sheet declares or uses beyond [`MAX_SHEET_CELLS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// The sheet's position among the sheets (1-based), as the workbook lists them.
    pub sheet: usize,
    pub rows: u64,
    pub columns: u64,
}

/// Refuses `path` (an OLE compound file) when one of its sheets is larger than an `.xls` sheet can be, or
/// when its container would make calamine loop or allocate without bound. A file whose container calamine
/// cannot read either is left to calamine, which then reports it in its own words.
pub fn check(path: &Path) -> Result<()> {
    let file_name = super::source::file_name(path);
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| crate::error::Error::io(path, e))?;
    let damaged = |detail: &str| -> crate::error::Error {
        ImportError::Unreadable {
            file: file_name.clone(),
            detail: format!(
                "the file is damaged: {detail}; open it in Excel or WPS and save it again as .xlsx"
            ),
        }
        .into()
    };
    let stream = match workbook_stream(&bytes) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(()),
        Err(detail) => return Err(damaged(detail)),
    };
    match oversized_sheet(&stream) {
        None => Ok(()),
        Some(o) => Err(ImportError::SheetTooLarge {
            file: file_name,
            sheet: o.sheet,
            rows: o.rows,
            columns: o.columns,
        }
        .into()),
    }
}

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

/// The sectors of a compound file as calamine's `cfb::Sectors` numbers them: sector `id` starts `first + id *
/// size` bytes into the file (after the header), and the last one may be short.
struct Sectors<'a> {
    file: &'a [u8],
    first: usize,
    size: usize,
    maxid: usize,
}

/// Why the guard gives up on a container without an error of its own: calamine fails (or panics, which
/// `source::contain_panic` turns into "damaged") on the same structure, without allocating much first.
struct LeftToCalamine;

type Walk<T> = std::result::Result<T, std::result::Result<LeftToCalamine, &'static str>>;

fn calamine_fails<T>() -> Walk<T> {
    Err(Ok(LeftToCalamine))
}

impl Sectors<'_> {
    fn get(&self, id: u32) -> Walk<&[u8]> {
        let id = id as usize;
        if id > self.maxid {
            return calamine_fails();
        }
        let start = (self.first + id * self.size).min(self.file.len());
        let end = (self.first + (id + 1) * self.size).min(self.file.len());
        Ok(&self.file[start..end])
    }

    fn u32s(&self, id: u32) -> Walk<Vec<u32>> {
        let s = self.get(id)?;
        if s.len() % 4 != 0 {
            return calamine_fails(); // calamine asserts (a contained panic)
        }
        Ok(u32s(s))
    }

    /// The chain from `id` following `fats`, up to `len` bytes. A chain visiting more sectors than the file
    /// has is a loop: calamine would follow it until `len` (up to 4 GiB, or forever for the directory).
    fn chain(&self, mut id: u32, fats: &[u32], len: usize) -> Walk<Vec<u8>> {
        let mut out = Vec::new();
        let mut visited = 0usize;
        while id != ENDOFCHAIN {
            visited += 1;
            if visited > self.maxid + 1 {
                return Err(Err("a sector chain of its OLE container loops"));
            }
            let sector = self.get(id)?;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = match fats.get(id as usize) {
                Some(&next) => next,
                None => return calamine_fails(),
            };
        }
        Ok(out)
    }
}

/// The `Workbook` (or `Book`) stream of the compound file `file`, read the way calamine 0.38's `cfb.rs`
/// reads it, with bounds where calamine has none. `Ok(None)`: calamine cannot read the container and says so
/// itself. `Err`: calamine would loop or allocate without bound.
pub fn workbook_stream(file: &[u8]) -> std::result::Result<Option<Vec<u8>>, &'static str> {
    match walk_container(file) {
        Ok(s) => Ok(Some(s)),
        Err(Ok(LeftToCalamine)) => Ok(None),
        Err(Err(detail)) => Err(detail),
    }
}

fn walk_container(file: &[u8]) -> Walk<Vec<u8>> {
    let header = match file.get(..512) {
        Some(h) if h[..8] == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] => h,
        _ => return calamine_fails(),
    };
    // The header is 512 bytes, so every field read below is present.
    let at16 = |i: usize| u16_at(header, i).unwrap_or_default();
    let at32 = |i: usize| u32_at(header, i).unwrap_or_default();
    let version = at16(26);
    let size = match at16(30) {
        0x0009 => 512,
        0x000C if file.len() >= 4096 => 4096,
        _ => return calamine_fails(),
    };
    if at16(32) != 0x0006 {
        return calamine_fails();
    }
    let (dir_start, mini_fat_start, mini_fat_len, difat_start) = (at32(48), at32(60), at32(64), at32(68));
    let sectors = Sectors {
        file,
        first: size.max(512),
        size,
        maxid: file.len() / size,
    };
    let mut difat = u32s(&header[76..512]);
    let mut id = difat_start;
    let mut difat_sectors = 0usize;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > sectors.maxid + 1 {
            return calamine_fails();
        }
        difat.extend(sectors.u32s(id)?);
        id = match difat.pop() {
            Some(next) => next,
            None => return calamine_fails(),
        };
    }
    // A file cannot have more FAT sectors than sectors; calamine would read each listed one, however often.
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > sectors.maxid + 1 {
        return Err(Err(
            "its OLE container lists more allocation sectors than the file has",
        ));
    }
    let mut fats = Vec::new();
    for id in fat_sectors {
        fats.extend(sectors.u32s(id)?);
    }
    let dirs = sectors.chain(dir_start, &fats, usize::MAX)?;
    let small = size == 512;
    let dirs: Vec<(String, u32, u64)> = dirs
        .chunks_exact(128)
        .map(|d| {
            let units: Vec<u16> = d[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(l) = name.as_bytes().iter().position(|b| *b == 0) {
                name.truncate(l);
            }
            let start = u32_at(d, 116).unwrap_or_default();
            let len = if small {
                u64::from(u32_at(d, 120).unwrap_or_default())
            } else {
                u64::from(u32_at(d, 120).unwrap_or_default())
                    | u64::from(u32_at(d, 124).unwrap_or_default()) << 32
            };
            (name, start, len)
        })
        .collect();
    let Some(root) = dirs.first() else {
        return calamine_fails();
    };
    if version != 3 && root.1 == ENDOFCHAIN {
        return calamine_fails();
    }
    let Some(book) = ["Workbook", "Book"].iter().find_map(|want| {
        dirs.iter()
            .find(|d| d.0.as_bytes().eq_ignore_ascii_case(want.as_bytes()))
    }) else {
        return calamine_fails();
    };
    let Ok(len) = usize::try_from(book.2) else {
        return calamine_fails();
    };
    if len >= 4096 {
        return sectors.chain(book.1, &fats, len);
    }
    // A small stream lives in the mini stream: 64-byte sectors inside the root entry's chain.
    if mini_fat_len == 0 {
        return calamine_fails();
    }
    let Ok(root_len) = usize::try_from(root.2) else {
        return calamine_fails();
    };
    let ministream = sectors.chain(root.1, &fats, root_len)?;
    let minifat = sectors.chain(
        mini_fat_start,
        &fats,
        (mini_fat_len as usize).saturating_mul(size),
    )?;
    if minifat.len() % 4 != 0 {
        return calamine_fails();
    }
    let minifat = u32s(&minifat);
    let mini = Sectors {
        file: &ministream,
        first: 0,
        size: 64,
        maxid: ministream.len() / 64,
    };
    // calamine reads a mini sector past the end of the mini stream from wherever its file reader stands;
    // no sound file does that, and the guard cannot follow it.
    let mut id = book.1;
    let mut out = Vec::new();
    let mut visited = 0usize;
    while id != ENDOFCHAIN && out.len() < len {
        visited += 1;
        if visited > mini.maxid + 1 || (id as usize + 1) * 64 > ministream.len() {
            return Err(Err(
                "its small streams point outside the OLE container's mini stream",
            ));
        }
        let s = mini.get(id)?;
        let take = s.len().min(len - out.len());
        out.extend_from_slice(&s[..take]);
        id = match minifat.get(id as usize) {
            Some(&next) => next,
            None => return calamine_fails(),
        };
    }
    Ok(out)
}

/// One BIFF record: its type and data (CONTINUE records are not needed here: no size lives in them).
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
}

/// The records of `stream` from its start, as calamine's `RecordIter` reads them; stops at the first record
/// that does not fit (calamine reports that itself).
fn records(mut stream: &[u8]) -> impl Iterator<Item = Record<'_>> {
    std::iter::from_fn(move || {
        if stream.len() < 4 {
            return None;
        }
        let typ = u16_at(stream, 0)?;
        let len = usize::from(u16_at(stream, 2)?);
        let data = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        Some(Record { typ, data })
    })
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// `b` as little-endian u32s (a trailing partial word is dropped; callers check the length where calamine
/// would assert it).
fn u32s(b: &[u8]) -> Vec<u32> {
    (0..b.len() / 4).filter_map(|i| u32_at(b, 4 * i)).collect()
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
/// Cell records whose data starts with the row and column (u16 each): NUMBER, LABEL, RSTRING, BOOLERR, RK,
/// LABELSST, FORMULA. MULRK (0x00BD) also ends with its last column.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];
const MULRK: u16 = 0x00BD;

/// The first sheet of the workbook stream `stream` that declares (DIMENSIONS) or uses (cell positions) an area
/// over [`MAX_SHEET_CELLS`], or whose DIMENSIONS record is inconsistent (last row before the first: calamine
/// would compute a negative size and wrap it to billions).
pub fn oversized_sheet(stream: &[u8]) -> Option<Oversized> {
    let mut offsets = Vec::new();
    for r in records(stream) {
        match r.typ {
            BOUNDSHEET => offsets.extend(u32_at(r.data, 0)),
            EOF => break,
            _ => {}
        }
    }
    for (i, &pos) in offsets.iter().enumerate() {
        let Some(sheet) = stream.get(pos as usize..) else {
            continue;
        };
        let o = |rows: u64, columns: u64| Oversized {
            sheet: i + 1,
            rows,
            columns,
        };
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut extent: Option<(u32, u32, u32, u32)> = None; // min row, max row, min column, max column
        let mut widen = |row: u32, first: u32, last: u32| {
            let e = extent.get_or_insert((row, row, first, last));
            *e = (e.0.min(row), e.1.max(row), e.2.min(first), e.3.max(last));
        };
        for r in records(sheet) {
            if depth > 0 {
                match r.typ {
                    BOF => depth += 1,
                    EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match r.typ {
                BOF if seen_bof => depth += 1,
                BOF => seen_bof = true,
                EOF => break,
                DIMENSIONS => {
                    if let Some((rows, columns)) = declared(r.data)
                        && rows.saturating_mul(columns) > MAX_SHEET_CELLS
                    {
                        return Some(o(rows, columns));
                    }
                }
                MULRK => {
                    if let (Some(row), Some(first), Some(last)) = (
                        u16_at(r.data, 0),
                        u16_at(r.data, 2),
                        r.data.len().checked_sub(2).and_then(|at| u16_at(r.data, at)),
                    ) {
                        widen(row.into(), first.min(last).into(), first.max(last).into());
                    }
                }
                t if CELLS.contains(&t) => {
                    if let (Some(row), Some(col)) = (u16_at(r.data, 0), u16_at(r.data, 2)) {
                        widen(row.into(), col.into(), col.into());
                    }
                }
                _ => {}
            }
        }
        if let Some((r0, r1, c0, c1)) = extent {
            let (rows, columns) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
            if rows * columns > MAX_SHEET_CELLS {
                return Some(o(rows, columns));
            }
        }
    }
    None
}

/// The rows and columns a DIMENSIONS record makes calamine reserve room for, following calamine's
/// `parse_dimensions`: BIFF8 (14 or 16 bytes: rows as u32) or older (10 bytes: u16). An inconsistent record
/// (last row before the first) counts as `u32::MAX` rows, which is what calamine's wrapping subtraction
/// amounts to. `None` for a record calamine rejects itself.
fn declared(d: &[u8]) -> Option<(u64, u64)> {
    let (rf, rl, cf, cl) = match d.len() {
        10 => (
            u32::from(u16_at(d, 0)?),
            u32::from(u16_at(d, 2)?),
            u32::from(u16_at(d, 4)?),
            u32::from(u16_at(d, 6)?),
        ),
        14 | 16 => (
            u32_at(d, 0)?,
            u32_at(d, 4)?,
            u32::from(u16_at(d, 8)?),
            u32::from(u16_at(d, 10)?),
        ),
        _ => return None,
    };
    // calamine: a first column over 0xFF or after the last is taken as 0.
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    if rl < 1 || cl < 1 {
        return Some((1, 1));
    }
    let size = |first: u32, last_plus_one: u32| match (last_plus_one - 1).checked_sub(first) {
        Some(n) => u64::from(n) + 1,
        None => u64::from(u32::MAX),
    };
    Some((size(rf, rl), size(cf, cl)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((data.len() as u16).to_le_bytes());
        v.extend(data);
        v
    }

    /// A workbook stream: globals with one BOUNDSHEET, then the sheet's records.
    fn stream(sheet_records: &[Vec<u8>]) -> Vec<u8> {
        let bof = rec(BOF, &[0; 16]);
        let boundsheet_len = 4 + 12;
        let globals_len = bof.len() + boundsheet_len + 4;
        let mut bs = (globals_len as u32).to_le_bytes().to_vec();
        bs.extend([0u8; 8]);
        let mut s = bof.clone();
        s.extend(rec(BOUNDSHEET, &bs));
        s.extend(rec(EOF, &[]));
        assert_eq!(s.len(), globals_len);
        s.extend(bof);
        for r in sheet_records {
            s.extend(r);
        }
        s.extend(rec(EOF, &[]));
        s
    }

    fn cell(typ: u16, row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 6]);
        rec(typ, &d)
    }

    fn dims8(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
        let mut d = rf.to_le_bytes().to_vec();
        d.extend(rl.to_le_bytes());
        d.extend(cf.to_le_bytes());
        d.extend(cl.to_le_bytes());
        d.extend([0u8; 2]);
        rec(DIMENSIONS, &d)
    }

    #[test]
    fn a_full_size_sheet_passes_and_one_cell_beyond_it_does_not() {
        // Cells at A1 and IV65536: exactly the largest sheet.
        let ok = stream(&[
            dims8(0, 65_536, 0, 256),
            cell(0x0203, 0, 0),
            cell(0x00FD, 65_535, 255),
        ]);
        assert_eq!(oversized_sheet(&ok), None);
        // One column further (col 256 does not exist in BIFF8).
        let wide = stream(&[cell(0x0203, 0, 0), cell(0x027E, 65_535, 256)]);
        assert_eq!(
            oversized_sheet(&wide),
            Some(Oversized {
                sheet: 1,
                rows: 65_536,
                columns: 257
            })
        );
    }

    #[test]
    fn a_declared_area_over_the_limit_is_refused_even_without_cells() {
        let s = stream(&[dims8(0, 4_000_000, 0, 10)]);
        assert_eq!(
            oversized_sheet(&s),
            Some(Oversized {
                sheet: 1,
                rows: 4_000_000,
                columns: 10
            })
        );
        // Last row before the first: calamine would wrap the size to billions.
        let backwards = stream(&[dims8(100, 50, 0, 3)]);
        assert_eq!(
            oversized_sheet(&backwards).map(|o| o.rows),
            Some(u64::from(u32::MAX))
        );
        // An empty sheet's record (all zero) is fine, as is an ordinary one.
        assert_eq!(oversized_sheet(&stream(&[dims8(0, 0, 0, 0)])), None);
        assert_eq!(oversized_sheet(&stream(&[dims8(0, 1000, 0, 13)])), None);
    }

    #[test]
    fn mulrk_spans_its_columns_and_chart_substreams_are_skipped() {
        // MULRK at row 0 from column 0 to column 300 (6 bytes per RK + row, first, last).
        let mut d = 0u16.to_le_bytes().to_vec();
        d.extend(0u16.to_le_bytes());
        d.extend(vec![0u8; 6 * 301]);
        d.extend(300u16.to_le_bytes());
        let s = stream(&[rec(MULRK, &d), cell(0x0203, 60_000, 0)]);
        assert_eq!(
            oversized_sheet(&s).map(|o| (o.rows, o.columns)),
            Some((60_001, 301))
        );
        // The same far cell inside an embedded chart's substream does not count, as calamine skips it.
        let chart = stream(&[
            cell(0x0203, 0, 0),
            rec(BOF, &[0; 16]),
            cell(0x0203, 65_535, 65_535),
            rec(EOF, &[]),
        ]);
        assert_eq!(oversized_sheet(&chart), None);
    }

    #[test]
    fn truncated_records_end_the_walk_quietly() {
        let mut s = stream(&[cell(0x0203, 1, 1)]);
        s.truncate(s.len() - 7);
        assert_eq!(oversized_sheet(&s), None);
        assert_eq!(oversized_sheet(&[]), None);
        assert_eq!(oversized_sheet(&[0x09, 0x08, 0xff]), None);
    }
}
