//! A fast reader for the regular CSV that fairdraw writes into record bundles (`population.csv` and its
//! siblings): UTF-8, `\n` line ends, fields quoted only when they must be, doubled quotes inside quotes.
//!
//! The general reader (the `csv` crate) decodes every record byte by byte, validates its UTF-8 separately
//! and copies each field into a `String`; for a million-entity population that is most of the time
//! `fairdraw verify` takes. This reader validates whole buffers of lines at once (SIMD UTF-8), finds field
//! ends from an index of the buffer's commas, quotes and line ends (built 16 bytes at a time, SSE2) and hands out fields borrowed from the buffer.
//!
//! It accepts only input whose meaning is beyond doubt and reports anything else as [`Irregular`]: a
//! byte-order mark, `\r`, an empty line, a quote inside an unquoted field or after a closing quote, a field
//! left open at the end, a row with a trailing empty field at the end of input, invalid UTF-8, a header that
//! is not exactly the expected columns, a row with another number of columns, or a read error. The caller
//! then reads the file again with the general reader, which produces the same rows for every input this
//! reader accepts (checked by a differential test and by the `bundle_parts` fuzzer) and the precise error
//! message for every input it refuses. Only the row callback's own errors pass through unchanged: the rows
//! before the failing one are the same for both readers, so the error is the same too.

use std::io::{self, Read};

use crate::error::Result;

/// What [`Reader::read`] calls for each data row: its cells in the expected columns' order, the row's text
/// as in the file, and its line.
pub(crate) type RowFn<'a> = dyn FnMut(&[&str], &str, u64) -> Result<()> + 'a;

/// The input is not of the regular form; read it with the general reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Irregular;

/// Bytes of input per buffer: large enough that per-buffer costs vanish, small enough to stay in cache.
pub(crate) const CHUNK: usize = 1 << 20;

/// Reads `r` in buffers that end at a line end (except the last, or a line longer than [`CHUNK`]).
pub(crate) struct LineChunks<'a> {
    r: &'a mut dyn Read,
    carry: Vec<u8>,
    eof: bool,
}

impl<'a> LineChunks<'a> {
    pub(crate) fn new(r: &'a mut dyn Read) -> LineChunks<'a> {
        LineChunks {
            r,
            carry: Vec::new(),
            eof: false,
        }
    }

    /// The next buffer, reusing `buf`'s allocation; `None` at the end of the input.
    ///
    /// `buf` may come back holding its old bytes: they are overwritten, never read. Reading into bytes that
    /// are already initialised spares the zeroing that `read_to_end` does before every read into spare
    /// capacity (a quarter of a gigabyte for a million-entity population).
    pub(crate) fn next(&mut self, mut buf: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
        if self.eof && self.carry.is_empty() {
            return Ok(None);
        }
        // The carry is what followed the last line end of the previous buffer, so it is shorter than a
        // buffer: there is always room to read at least one byte after it.
        let carry = self.carry.len();
        let size = CHUNK.max(carry + 1);
        if buf.len() < size {
            buf.resize(size, 0);
        }
        buf.truncate(size);
        buf[..carry].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut filled = carry;
        while !self.eof && filled < size {
            match self.r.read(&mut buf[filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        if !self.eof
            && let Some(i) = memchr::memrchr(b'\n', &buf)
        {
            self.carry.extend_from_slice(&buf[i + 1..]);
            buf.truncate(i + 1);
        }
        if buf.is_empty() {
            return Ok(None);
        }
        Ok(Some(buf))
    }
}

/// Where a field's text is: a range of the input buffer, or of the scratch string holding fields whose
/// doubled quotes were undone.
#[derive(Clone, Copy)]
enum Cell {
    Input(usize, usize),
    Scratch(usize, usize),
}

enum Parsed {
    /// A whole row; the next one starts here.
    Row(usize),
    /// The row goes on past the end of the buffer.
    Incomplete,
}

/// The most columns a bundle file has (`population.csv`: 13).
pub(crate) const MAX_COLUMNS: usize = 16;

/// Splits the rows of CSV text with exactly `columns` (in any order in the header, §12).
#[derive(Clone)]
pub(crate) struct Reader<'c> {
    columns: &'c [&'c str],
    /// position[j]: where column j of `columns` is in the file; empty until the header is read.
    position: Vec<usize>,
    /// Whether `position[j] == j` for every column (the order fairdraw writes): the cells are then handed
    /// out as split, without reordering.
    in_order: bool,
    /// The column (in `columns` order) whose field is handed out as written ([`Reader::hand_as_written`]).
    as_written: Option<usize>,
    /// Line (1-based) where the next row starts.
    line: u64,
    /// The row just split.
    split: Split,
    /// Where the `,` `"` `\n` of the buffer being split are ([`Specials`]).
    specials: Specials,
}

/// The fields of one row, as [`Reader`] splits it.
#[derive(Clone)]
struct Split {
    cells: [Cell; MAX_COLUMNS],
    /// How many of `cells` the row has.
    n: usize,
    scratch: String,
    /// Line ends inside the quoted fields of the row.
    quoted_newlines: u64,
    /// The field (in file order) kept as written, its doubled quotes not undone; `usize::MAX` for none.
    as_written: usize,
}

impl<'c> Reader<'c> {
    pub(crate) fn new(columns: &'c [&'c str]) -> Reader<'c> {
        Reader {
            columns,
            position: Vec::new(),
            in_order: false,
            as_written: None,
            line: 1,
            split: Split {
                cells: [Cell::Input(0, 0); MAX_COLUMNS],
                n: 0,
                scratch: String::new(),
                quoted_newlines: 0,
                as_written: usize::MAX,
            },
            specials: Specials::default(),
        }
    }

    /// Hands column `column` (an index into `columns`) to the row callback as it is written in the file:
    /// for a quoted field, with its quotes, the doubled quotes inside left doubled. A caller that reads the
    /// field with [`list_field_into`] spares the copy that undoing the quotes takes.
    pub(crate) fn hand_as_written(&mut self, column: usize) {
        self.as_written = Some(column);
        self.split.as_written = self.written_at();
    }

    /// Where the column handed as written is in the file, once the header is read; `usize::MAX` otherwise.
    fn written_at(&self) -> usize {
        self.as_written
            .and_then(|j| self.position.get(j).copied())
            .unwrap_or(usize::MAX)
    }

    /// Reads every buffer `next` gives (it receives the previous buffer back for reuse) and calls `row`
    /// with each data row's cells in `columns` order, the row's text as in the file, and its line. `Ok(Err(Irregular))`: read it again
    /// with the general reader.
    pub(crate) fn read(
        mut self,
        next: &mut dyn FnMut(Vec<u8>) -> io::Result<Option<Vec<u8>>>,
        row: &mut RowFn<'_>,
    ) -> Result<Result<(), Irregular>> {
        if self.columns.len() > MAX_COLUMNS {
            return Ok(Err(Irregular));
        }
        let mut pending: Vec<u8> = Vec::new();
        let mut spent = Vec::new();
        loop {
            let Ok(chunk) = next(spent) else {
                return Ok(Err(Irregular));
            };
            let Some(chunk) = chunk else { break };
            let data = if pending.is_empty() {
                chunk
            } else {
                pending.extend_from_slice(&chunk);
                std::mem::take(&mut pending)
            };
            let consumed = match self.rows(&data, false, row)? {
                Ok(n) => n,
                Err(Irregular) => return Ok(Err(Irregular)),
            };
            pending.extend_from_slice(&data[consumed..]);
            spent = data;
        }
        if !pending.is_empty() {
            match self.rows(&pending, true, row)? {
                Ok(n) if n == pending.len() => {}
                _ => return Ok(Err(Irregular)),
            }
        }
        // No header at all: the general reader says what is wrong.
        if self.position.is_empty() {
            return Ok(Err(Irregular));
        }
        Ok(Ok(()))
    }

    /// Splits `data`, which must be whole rows (the header first, for a new reader) ending in a line end, and
    /// calls `row` for each data row; lines are counted from where this reader left off. `Ok(Err(Irregular))`
    /// also when the last row does not end within `data`.
    ///
    /// This lets several readers (clones of one that has read the header) split the buffers of one file side
    /// by side: a buffer that starts at a row start and is exactly filled by whole rows ends at a row start,
    /// so when every buffer is, each was split as one reader going through the file would have split it. A
    /// buffer cut inside a quoted field is not: its last row is left open.
    pub(crate) fn whole_rows(&mut self, data: &[u8], row: &mut RowFn<'_>) -> Result<Result<(), Irregular>> {
        Ok(match self.rows(data, false, row)? {
            Ok(n) if n == data.len() => Ok(()),
            _ => Err(Irregular),
        })
    }

    /// Whether the header has been read.
    pub(crate) fn has_header(&self) -> bool {
        !self.position.is_empty()
    }

    /// Splits the whole rows at the start of `data`; returns the number of bytes they take.
    fn rows(&mut self, data: &[u8], at_eof: bool, row: &mut RowFn<'_>) -> Result<Result<usize, Irregular>> {
        let mut cursor = match self.begin(data) {
            Ok(cursor) => cursor,
            Err(Irregular) => return Ok(Err(Irregular)),
        };
        loop {
            match self.next_row(&mut cursor, at_eof, row)? {
                Err(Irregular) => return Ok(Err(Irregular)),
                Ok(false) => return Ok(Ok(cursor.p)),
                Ok(true) => {}
            }
        }
    }

    /// Starts splitting the rows of `data`: checks its UTF-8 and indexes its special bytes. `Irregular` for
    /// a byte-order mark before the header, invalid UTF-8 or a `\r`.
    pub(crate) fn begin<'t>(&mut self, data: &'t [u8]) -> Result<Cursor<'t>, Irregular> {
        if self.position.is_empty() && data.starts_with(b"\xef\xbb\xbf") {
            return Err(Irregular);
        }
        let Ok(text) = simdutf8::basic::from_utf8(data) else {
            return Err(Irregular);
        };
        // The index looks at every byte anyway, so it also says whether there is a `\r`.
        if self.specials.index(data) {
            return Err(Irregular);
        }
        Ok(Cursor {
            text,
            p: 0,
            walk: Walk::new(&self.specials.words),
        })
    }

    /// Splits the row at `cursor` (of the buffer [`Reader::begin`] indexed) and calls `row` with its cells in
    /// `columns` order (or takes it as the header, for a reader that has not read one); `Ok(false)`, the
    /// cursor left where it was, at the end of the buffer or when the row goes on past it (or, `at_eof`, at
    /// the end of the input).
    pub(crate) fn next_row(
        &mut self,
        cursor: &mut Cursor<'_>,
        at_eof: bool,
        row: &mut RowFn<'_>,
    ) -> Result<Result<bool, Irregular>> {
        let (text, p) = (cursor.text, cursor.p);
        if p >= text.len() {
            return Ok(Ok(false));
        }
        let next = match self
            .split
            .split(&self.specials.words, &mut cursor.walk, text, p, at_eof)
        {
            Err(Irregular) => return Ok(Err(Irregular)),
            Ok(Parsed::Incomplete) => return Ok(Ok(false)),
            Ok(Parsed::Row(next)) => next,
        };
        let split = &self.split;
        let n = split.n;
        let cell = |c: Cell| match c {
            Cell::Input(a, b) => &text[a..b],
            Cell::Scratch(a, b) => &split.scratch[a..b],
        };
        let line = self.line;
        self.line += 1 + split.quoted_newlines;
        cursor.p = next;
        if self.position.is_empty() {
            let fields: Vec<&str> = split.cells[..n].iter().map(|&c| cell(c)).collect();
            if !header(self.columns, &mut self.position, &fields) {
                return Ok(Err(Irregular));
            }
            self.in_order = self.position.iter().enumerate().all(|(j, &at)| j == at);
            self.split.as_written = self.written_at();
            return Ok(Ok(true));
        }
        if n != self.columns.len() {
            return Ok(Err(Irregular));
        }
        let mut ordered = [""; MAX_COLUMNS];
        if self.in_order {
            for (o, &c) in ordered.iter_mut().zip(&split.cells[..n]) {
                *o = cell(c);
            }
        } else {
            for (o, &at) in ordered.iter_mut().zip(&self.position) {
                *o = cell(split.cells[at]);
            }
        }
        row(&ordered[..n], &text[p..next], line)?;
        Ok(Ok(true))
    }

    /// The row at `cursor` if it has the plain shape — the header read and in the expected order, every
    /// field unquoted except that the column handed as written may be quoted without a line end inside,
    /// and the row ending in a line end within the buffer: where each of its fields ends (the `,` or `\n`
    /// after it) in `ends`, the cursor moved past it, and its start returned. `None`, the cursor and the
    /// reader unchanged, for any other row: [`Reader::next_row`] then splits it.
    ///
    /// The fields of a plain row are exactly the cells [`Reader::next_row`] hands out (field `k` is
    /// `text[start..ends[0]]` for `k = 0`, else `text[ends[k - 1] + 1..ends[k]]`): unquoted fields are their
    /// own values, and the quoted one is handed as written either way. It only saves making the cells.
    #[inline]
    pub(crate) fn plain_row(
        &mut self,
        cursor: &mut Cursor<'_>,
        ends: &mut [usize; MAX_COLUMNS],
    ) -> Option<usize> {
        let n = self.columns.len();
        if !self.in_order || n == 0 || n > MAX_COLUMNS {
            return None;
        }
        let words = &self.specials.words;
        let b = cursor.text.as_bytes();
        let start = cursor.p;
        // An empty line (or none left) is not a row of empty fields.
        if b.get(start).is_none_or(|&c| c == b'\n') {
            return None;
        }
        let mut walk = cursor.walk;
        let mut p = start;
        // Field ends checked together at the end rather than by a branch per field.
        let mut plain = true;
        for (k, end) in ends[..n].iter_mut().enumerate() {
            let separator = if k + 1 == n { b'\n' } else { b',' };
            if k == self.split.as_written && b.get(p) == Some(&b'"') {
                // The opening quote is the next special byte; then doubled quotes and commas until the
                // closing quote, which the separator must follow at once.
                walk.next(words);
                let close = loop {
                    let j = walk.next(words)?;
                    match b[j] {
                        b'"' if b.get(j + 1) == Some(&b'"') => {
                            walk.next(words);
                        }
                        b'"' => break j,
                        b',' => {}
                        _ => return None,
                    }
                };
                let j = walk.next(words)?;
                plain &= j == close + 1;
                plain &= b[j] == separator;
                *end = j;
                p = j + 1;
            } else {
                let j = walk.next(words)?;
                plain &= b[j] == separator;
                *end = j;
                p = j + 1;
            }
        }
        if !plain {
            return None;
        }
        cursor.walk = walk;
        cursor.p = p;
        self.line += 1;
        Some(start)
    }
}

/// Where [`Reader::begin`]'s buffer is being split: the next row's start and the walk through the index up
/// to it. A copy taken before [`Reader::plain_row`] is where to go back to.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'t> {
    text: &'t str,
    p: usize,
    walk: Walk,
}

impl<'t> Cursor<'t> {
    /// The buffer's text.
    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// Where the next row starts.
    pub(crate) fn at(&self) -> usize {
        self.p
    }
}

/// A walk through the special bytes of an indexed buffer ([`Specials`]) in order, each visited once: the
/// field ends of a row are the next bits of the word at hand, without working out a word and a shift from
/// a position for every field.
#[derive(Clone, Copy)]
struct Walk {
    /// The word at hand.
    k: usize,
    /// Its special bytes not yet visited.
    w: u64,
}

impl Walk {
    /// A walk from the start of the buffer `words` index.
    fn new(words: &[u64]) -> Walk {
        Walk {
            k: 0,
            w: words.first().copied().unwrap_or(0),
        }
    }

    /// The next special byte, as [`Specials::next`] finds it from just after the one visited last.
    #[inline]
    fn next(&mut self, words: &[u64]) -> Option<usize> {
        while self.w == 0 {
            self.k += 1;
            self.w = *words.get(self.k)?;
        }
        let j = 64 * self.k + self.w.trailing_zeros() as usize;
        self.w &= self.w - 1;
        Some(j)
    }
}

impl Split {
    fn push(&mut self, c: Cell) {
        self.cells[self.n] = c;
        self.n += 1;
    }

    /// Splits the row starting at `p` into `self.cells`. `walk` has visited every special byte of `words`
    /// (the index of `text`) before `p` and none after.
    fn split(
        &mut self,
        words: &[u64],
        walk: &mut Walk,
        text: &str,
        mut p: usize,
        at_eof: bool,
    ) -> Result<Parsed, Irregular> {
        let b = text.as_bytes();
        self.n = 0;
        self.scratch.clear();
        self.quoted_newlines = 0;
        if b[p] == b'\n' {
            return Err(Irregular);
        }
        loop {
            if self.n == MAX_COLUMNS {
                return Err(Irregular);
            }
            // A field starts at p.
            if p == b.len() {
                // "…,<end>": the general reader's view of a trailing empty field is not worth guessing.
                return if at_eof {
                    Err(Irregular)
                } else {
                    Ok(Parsed::Incomplete)
                };
            }
            let end;
            if b[p] == b'"' {
                // The opening quote is the next special byte.
                walk.next(words);
                let as_written = self.n == self.as_written;
                // The text since the last quote starts at `q`.
                let mut q = p + 1;
                let mut in_scratch: Option<usize> = None;
                loop {
                    let Some(j) = walk.next(words) else {
                        return if at_eof {
                            Err(Irregular)
                        } else {
                            Ok(Parsed::Incomplete)
                        };
                    };
                    if b[j] != b'"' {
                        // A comma or a line end inside the quotes is text.
                        self.quoted_newlines += u64::from(b[j] == b'\n');
                        continue;
                    }
                    if j + 1 < b.len() && b[j + 1] == b'"' {
                        // A doubled quote: one quote of text. Its second quote is the next special byte.
                        walk.next(words);
                        if !as_written {
                            in_scratch.get_or_insert(self.scratch.len());
                            self.scratch.push_str(&text[q..=j]);
                        }
                        q = j + 2;
                        continue;
                    }
                    if j + 1 == b.len() && !at_eof {
                        // The next byte, unseen, may double this quote.
                        return Ok(Parsed::Incomplete);
                    }
                    if as_written {
                        self.push(Cell::Input(p, j + 1));
                    } else {
                        match in_scratch {
                            Some(start) => {
                                self.scratch.push_str(&text[q..j]);
                                self.push(Cell::Scratch(start, self.scratch.len()));
                            }
                            None => self.push(Cell::Input(q, j)),
                        }
                    }
                    end = j + 1;
                    break;
                }
                // The byte after the closing quote, if special, is the next special byte.
                match b.get(end) {
                    None => return Ok(Parsed::Row(end)),
                    Some(b',') => {
                        walk.next(words);
                        p = end + 1;
                    }
                    Some(b'\n') => {
                        walk.next(words);
                        return Ok(Parsed::Row(end + 1));
                    }
                    Some(_) => return Err(Irregular),
                }
            } else {
                match walk.next(words) {
                    None if at_eof => {
                        self.push(Cell::Input(p, b.len()));
                        return Ok(Parsed::Row(b.len()));
                    }
                    None => return Ok(Parsed::Incomplete),
                    Some(j) => {
                        self.push(Cell::Input(p, j));
                        match b[j] {
                            b',' => p = j + 1,
                            b'\n' => return Ok(Parsed::Row(j + 1)),
                            _ => return Err(Irregular),
                        }
                    }
                }
            }
        }
    }
}

/// Where the bytes `,` `"` and `\n` of a buffer are: bit `i` of word `k` is set when byte `64k + i` is one
/// of them. The whole buffer is indexed once, 32 bytes to an AVX2 comparison (16 to an SSE2 one on a CPU
/// without AVX2), so that finding a field's end is a look at one word (most fields are shorter than 64
/// bytes) rather than a search per field, whose set-up costs more than a field of a dozen to a few dozen
/// bytes takes to scan.
#[derive(Clone, Default)]
struct Specials {
    words: Vec<u64>,
}

impl Specials {
    /// Indexes `b`, forgetting the buffer indexed before; `true` if `b` holds a `\r` (found in the same
    /// pass where AVX2 is at hand).
    fn index(&mut self, b: &[u8]) -> bool {
        self.index_with(b, has_avx2())
    }

    /// [`Specials::index`], with the AVX2 kernel only if `avx2` (which the CPU must then have); tests run
    /// both kernels on the same bytes.
    fn index_with(&mut self, b: &[u8], avx2: bool) -> bool {
        self.words.clear();
        self.words.reserve(b.len() / 64 + 1);
        let mut blocks = b.chunks_exact(64);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `avx2` is only true when the CPU has AVX2 (`has_avx2`, or a test that checked it).
        let cr = avx2 && unsafe { index_avx2(&mut self.words, &mut blocks) };
        #[cfg(not(target_arch = "x86_64"))]
        let cr = {
            let _ = avx2;
            false
        };
        let vectors = b.len() - blocks.len() * 64 - blocks.remainder().len();
        for block in &mut blocks {
            if let Ok(block) = <&[u8; 64]>::try_from(block) {
                self.words.push(block_mask(block));
            }
        }
        let tail = blocks.remainder();
        if !tail.is_empty() {
            self.words.push(scalar_mask(tail));
        }
        cr || memchr::memchr(b'\r', &b[vectors..]).is_some()
    }

    /// The first special byte at or after `p`, as `memchr3(b',', b'\n', b'"', &b[p..])` finds it: what
    /// [`Walk`] finds, looked up afresh, for the tests to compare with.
    #[cfg(test)]
    fn next(&self, p: usize) -> Option<usize> {
        let mut k = p / 64;
        let mut w = *self.words.get(k)? & (u64::MAX << (p % 64));
        while w == 0 {
            k += 1;
            w = *self.words.get(k)?;
        }
        Some(64 * k + w.trailing_zeros() as usize)
    }
}

/// Whether the CPU has AVX2 (the standard library asks the CPU once and keeps the answer).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn has_avx2() -> bool {
    false
}

/// Whether `c` is one of the bytes [`Specials`] finds.
fn special(c: u8) -> bool {
    matches!(c, b',' | b'\n' | b'"')
}

/// The [`Specials`] word of up to 64 bytes, a byte at a time.
fn scalar_mask(b: &[u8]) -> u64 {
    b.iter()
        .enumerate()
        .fold(0, |m, (i, &c)| m | u64::from(special(c)) << i)
}

#[cfg(target_arch = "x86_64")]
fn block_mask(block: &[u8; 64]) -> u64 {
    // SAFETY: SSE2 is part of the x86-64 baseline: every CPU this target runs on has it.
    unsafe { block_mask_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn block_mask_sse2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_or_si128, _mm_set1_epi8};
    let comma = _mm_set1_epi8(b',' as i8);
    let newline = _mm_set1_epi8(b'\n' as i8);
    let quote = _mm_set1_epi8(b'"' as i8);
    sse2_block_bits(block, |v| {
        _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline)),
            _mm_cmpeq_epi8(v, quote),
        )
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn block_mask(block: &[u8; 64]) -> u64 {
    scalar_mask(block)
}

/// The bytes of a 64-byte block that `hit` marks, as bits (first byte lowest), 16 bytes to a comparison:
/// `hit` maps 16 bytes to a vector whose bytes are all ones where a byte is wanted. SSE2 is part of the
/// x86-64 baseline. Shared by the CSV index ([`Specials`]) and the
/// structure scan of `bundle.json`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
pub(crate) fn sse2_block_bits(
    block: &[u8; 64],
    hit: impl Fn(std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i,
) -> u64 {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_movemask_epi8};
    let mut m = 0u64;
    for (k, part) in block.chunks_exact(16).enumerate() {
        // SAFETY: `part` is 16 bytes of `block`, all read; the load has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(part.as_ptr().cast()) };
        // The 16 bits of the mask are the 16 bytes' high bits, first byte lowest.
        m |= u64::from(_mm_movemask_epi8(hit(v)) as u16) << (16 * k);
    }
    m
}

/// The [`Specials`] words of the whole 64-byte blocks `blocks` yields (all of them), 32 bytes to a
/// comparison; `true` if any of them holds a `\r`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn index_avx2(words: &mut Vec<u64>, blocks: &mut std::slice::ChunksExact<'_, u8>) -> bool {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };
    let comma = _mm256_set1_epi8(b',' as i8);
    let newline = _mm256_set1_epi8(b'\n' as i8);
    let quote = _mm256_set1_epi8(b'"' as i8);
    let cr = _mm256_set1_epi8(b'\r' as i8);
    // The `\r`s are gathered as mask bits: a vector kept across the loop, LLVM turns into byte shuffling.
    let mut crs = 0u32;
    for block in blocks {
        let mut m = 0u64;
        for (k, half) in block.chunks_exact(32).enumerate() {
            // SAFETY: `half` is 32 bytes of the block, all read; the load has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(half.as_ptr().cast()) };
            let hit = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(v, comma), _mm256_cmpeq_epi8(v, newline)),
                _mm256_cmpeq_epi8(v, quote),
            );
            // The 32 bits of the mask are the 32 bytes' high bits, first byte lowest.
            m |= u64::from(_mm256_movemask_epi8(hit) as u32) << (32 * k);
            crs |= _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, cr)) as u32;
        }
        words.push(m);
    }
    crs != 0
}

/// Takes the header into `position`: exactly the expected columns, each once.
fn header(columns: &[&str], position: &mut Vec<usize>, fields: &[&str]) -> bool {
    if fields.len() != columns.len() {
        return false;
    }
    for c in columns {
        match fields.iter().position(|h| h == c) {
            Some(p) if !position.contains(&p) => position.push(p),
            _ => {
                position.clear();
                return false;
            }
        }
    }
    true
}

/// Numbers below the `n` asked for, from a xorshift generator started at `seed` (not zero), for tests of
/// random input.
#[cfg(test)]
pub(crate) fn random_below(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}

/// Reads all of `r` with [`Reader`].
#[cfg(test)]
fn read_all(r: &mut dyn Read, columns: &[&str], row: &mut RowFn<'_>) -> Result<Result<(), Irregular>> {
    let mut chunks = LineChunks::new(r);
    Reader::new(columns).read(&mut |spent| chunks.next(spent), row)
}

/// `["a","b"]` — a JSON array of strings without escapes, control characters or spaces, as fairdraw writes
/// lists — split without a JSON parser; `None` for anything else, which the caller hands to one.
pub(crate) fn simple_list(cell: &str) -> Option<Vec<&str>> {
    let mut items = Vec::new();
    simple_list_into(cell, &mut items)?;
    Some(items)
}

/// [`simple_list`] into `items` (cleared first), so that a caller splitting many cells can reuse it.
pub(crate) fn simple_list_into<'a>(cell: &'a str, items: &mut Vec<&'a str>) -> Option<()> {
    items.clear();
    list_items(cell, ["[\"", "\"]", "\",\""], items)
}

/// The items of a list of plain strings whose quotes are written as `quotes` (opening `["`, closing `"]`,
/// between items `","`, each quote single or doubled), pushed onto `items`.
fn list_items<'a>(cell: &'a str, quotes: [&str; 3], items: &mut Vec<&'a str>) -> Option<()> {
    each_item(cell, quotes, |item| {
        items.push(item);
        true
    })
}

/// Calls `each` with the items of a list of plain strings whose quotes are written as `quotes` (as in
/// [`list_items`]), in order; `None` if the list is not of that form (possibly after some calls) or `each`
/// returns `false`.
#[inline]
fn each_item<'a>(cell: &'a str, quotes: [&str; 3], mut each: impl FnMut(&'a str) -> bool) -> Option<()> {
    let [open, close, between] = quotes;
    let inner = cell.strip_prefix(open)?.strip_suffix(close)?;
    if inner.bytes().any(|c| c < 0x20 || c == b'\\') {
        return None;
    }
    let mut rest = inner;
    while let Some(i) = memchr::memchr(b'"', rest.as_bytes()) {
        if !each(&rest[..i]) {
            return None;
        }
        rest = rest[i..].strip_prefix(between)?;
    }
    each(rest).then_some(())
}

/// The items of the list in a field as [`Reader::hand_as_written`] hands it: none for the value `""` or
/// `[]`, else those of [`simple_list_into`] of the value, read from the quoted field without undoing its
/// doubled quotes first; `None` exactly where `simple_list_into` of the value is `None`.
///
/// `field` must be a field the reader accepted: unquoted (no `"` in it, so it is its own value), or quoted
/// with every quote inside doubled. The list's quotes are then doubled too — `"[""a"",""b""]"` — and the
/// items, which hold no quote, are the same text in the field as in the value.
pub(crate) fn list_field_into<'a>(field: &'a str, items: &mut Vec<&'a str>) -> Option<()> {
    items.clear();
    list_field_each(field, |item| {
        items.push(item);
        true
    })
}

/// [`list_field_into`], each item handed to `each` in order instead of pushed onto a list; `None` where
/// `list_field_into` is `None` or when `each` returns `false` (possibly after some calls).
#[inline]
pub(crate) fn list_field_each<'a>(field: &'a str, each: impl FnMut(&'a str) -> bool) -> Option<()> {
    let Some(quoted) = field.strip_prefix('"') else {
        if matches!(field, "" | "[]") {
            return Some(());
        }
        return each_item(field, ["[\"", "\"]", "\",\""], each);
    };
    let value = quoted.strip_suffix('"')?;
    if matches!(value, "" | "[]") {
        return Some(());
    }
    each_item(value, ["[\"\"", "\"\"]", "\"\",\"\""], each)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(input: &[u8], columns: &[&str]) -> Result<Vec<(Vec<String>, u64)>, Irregular> {
        let mut out = Vec::new();
        let r = read_all(&mut &input[..], columns, &mut |cells, _, line| {
            out.push((cells.iter().map(|s| s.to_string()).collect(), line));
            Ok(())
        })
        .unwrap();
        r.map(|()| out)
    }

    fn general(input: &[u8], columns: &[&str]) -> Vec<(Vec<String>, u64)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut out = Vec::new();
        let mut header: Option<Vec<usize>> = None;
        for record in reader.records() {
            let record = record.unwrap();
            let line = record.position().unwrap().line();
            match &header {
                None => {
                    header = Some(
                        columns
                            .iter()
                            .map(|c| record.iter().position(|h| h == *c).unwrap())
                            .collect(),
                    )
                }
                Some(pos) => out.push((pos.iter().map(|&p| record[p].to_string()).collect(), line)),
            }
        }
        out
    }

    const COLS: [&str; 3] = ["a", "b", "c"];

    #[test]
    fn regular_input_gives_the_general_readers_rows_and_lines() {
        for input in [
            &b"a,b,c\n1,2,3\n"[..],
            b"c,a,b\n1,2,3\n4,,6",
            b"a,b,c\n1,2,\n,,\n",
            b"a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n",
            b"a,b,c\n\"two\nlines\",\"\"\"\",z\n7,8,9\n",
            "a,b,c\n永州,\"[\"\"食品\"\"]\",𠮷\n".as_bytes(),
        ] {
            assert_eq!(rows(input, &COLS).unwrap(), general(input, &COLS), "{input:?}");
        }
    }

    #[test]
    fn anything_unusual_is_irregular() {
        for input in [
            &b""[..],
            b"\xef\xbb\xbfa,b,c\n1,2,3\n",
            b"a,b,c\r\n1,2,3\r\n",
            b"a,b,c\n\n1,2,3\n",
            b"a,b,c\n1,x\"y,3\n",
            b"a,b,c\n\"1\"x,2,3\n",
            b"a,b,c\n\"1,2,3\n",
            b"a,b,c\n1,2,",
            b"a,b,c\n1,2\n",
            b"a,b,b\n1,2,3\n",
            b"a,b,c\n1,\xff,3\n",
        ] {
            assert_eq!(rows(input, &COLS), Err(Irregular), "{input:?}");
        }
    }

    #[test]
    fn rows_across_buffers_are_joined() {
        // Lines longer than a buffer, and a quoted line end at a buffer boundary.
        let long = "x".repeat(CHUNK + 10);
        let input = format!("a,b,c\n{long},\"q\nq\",1\n2,3,4\n\"{long}\",5,6");
        assert_eq!(
            rows(input.as_bytes(), &COLS).unwrap(),
            general(input.as_bytes(), &COLS)
        );
    }

    /// Every way of cutting a file into buffers at line ends: when each buffer is whole rows, clones of the
    /// reader that read the header give the rows of one reader; when a cut falls inside a quoted field, some
    /// buffer says so.
    #[test]
    fn buffers_of_whole_rows_split_side_by_side_as_one_reader() {
        let input = "c,a,b\n1,2,3\n\"x\ny\",\"\"\"\",z\n4,,6\n\"p,q\",7,\"8\n\"\n9,9,9\n";
        let expected: Vec<Vec<String>> = general(input.as_bytes(), &COLS)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let ends: Vec<usize> = input.match_indices('\n').map(|(i, _)| i + 1).collect();
        let header_end = ends[0];
        for cuts in 0u32..1 << (ends.len() - 2) {
            let mut bounds = vec![header_end];
            bounds.extend(
                ends[1..ends.len() - 1]
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| cuts >> i & 1 == 1)
                    .map(|(_, &e)| e),
            );
            bounds.push(input.len());
            let mut first = Reader::new(&COLS);
            let header = first.whole_rows(&input.as_bytes()[..header_end], &mut |_, _, _| unreachable!());
            assert!(header.unwrap().is_ok() && first.has_header());
            let mut got = Vec::new();
            let mut all_whole = true;
            for w in bounds.windows(2) {
                let mut reader = first.clone();
                let r = reader
                    .whole_rows(&input.as_bytes()[w[0]..w[1]], &mut |cells, _, _| {
                        got.push(cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
                        Ok(())
                    })
                    .unwrap();
                all_whole &= r.is_ok();
            }
            let inside_quotes = bounds
                .iter()
                .any(|&b| [input.find("x\n").unwrap() + 2, input.find("8\n").unwrap() + 2].contains(&b));
            assert_eq!(all_whole, !inside_quotes, "{bounds:?}");
            if all_whole {
                assert_eq!(got, expected, "{bounds:?}");
            }
        }
    }

    /// Every start in every string of the bytes that matter and their neighbours, at every length around
    /// the 16- and 32-byte comparisons and the 64-byte words of the index, by each kernel the CPU has; and
    /// the `\r` found wherever it is.
    #[test]
    fn special_bytes_are_found_as_memchr_finds_them() {
        let alphabet = [
            b',', b'\n', b'"', b'a', 0x00, 0x01, 0x2b, 0x2d, 0x80, 0xe4, 0xff, 0x0b, 0x21, 0x23, 0xac, 0xa2,
            b'\r', 0x8d, 0xad, 0xa2,
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let kernels = [false, has_avx2()];
        let mut specials = Specials::default();
        for len in (0..140).chain([191, 192, 193, 255, 256, 257]) {
            for round in 0..60 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Mostly plain bytes (fewer in later rounds), so that the special ones are found at
                        // every distance, within a word and across words; a `\r` only now and then.
                        let r = state % (20 + 4 * round);
                        let r = if r == 16 && round % 4 != 0 { 0 } else { r };
                        if r < 20 { alphabet[r as usize] } else { b'x' }
                    })
                    .collect();
                for avx2 in kernels {
                    let cr = specials.index_with(&s, avx2);
                    assert_eq!(cr, s.contains(&b'\r'), "{s:?} avx2 {avx2}");
                    let mut walk = Walk::new(&specials.words);
                    let walked: Vec<usize> = std::iter::from_fn(|| walk.next(&specials.words)).collect();
                    let all: Vec<usize> = (0..len).filter(|&i| special(s[i])).collect();
                    assert_eq!(walked, all, "{s:?} avx2 {avx2}");
                    for p in 0..=len {
                        let expected = memchr::memchr3(b',', b'\n', b'"', &s[p..]).map(|j| p + j);
                        assert_eq!(specials.next(p), expected, "{s:?} from {p}, avx2 {avx2}");
                    }
                }
            }
        }
    }

    /// Both kernels give the byte-by-byte words for every byte value at every place of a block, and the
    /// `\r` wherever it is.
    #[test]
    fn the_vector_masks_are_the_scalar_one() {
        let mut specials = Specials::default();
        for c in 0..=255u8 {
            for at in 0..64 {
                let mut block = [b'x'; 64];
                block[at] = c;
                block[63 - at] = c.wrapping_add(at as u8);
                assert_eq!(block_mask(&block), scalar_mask(&block), "{c} at {at}");
                for avx2 in [false, has_avx2()] {
                    let cr = specials.index_with(&block, avx2);
                    assert_eq!(specials.words, [scalar_mask(&block)], "{c} at {at}");
                    assert_eq!(cr, block.contains(&b'\r'), "{c} at {at}");
                }
            }
        }
    }

    /// What [`list_field_into`] must give for a field: the items of the value the general reader gives.
    fn list_of_value(value: &str) -> Option<Vec<&str>> {
        if matches!(value, "" | "[]") {
            return Some(Vec::new());
        }
        simple_list(value)
    }

    /// The value of a field as written: its doubled quotes undone.
    fn unquoted(field: &str) -> String {
        match field.strip_prefix('"') {
            Some(q) => q.strip_suffix('"').unwrap().replace("\"\"", "\""),
            None => field.to_string(),
        }
    }

    /// The rows and lines of `input`, split by one reader handing `as_written` as written, asked for
    /// before the header is read or, if `late`, after (as `bundle::split_rows` asks a reader that has).
    /// With `cut`, only the first `cut` bytes after the header, as `whole_rows` splits one buffer (the
    /// header read first): `Irregular` also when they are not whole rows. Without, all of it to its end.
    fn split_whole(
        input: &str,
        as_written: Option<usize>,
        late: bool,
        cut: Option<usize>,
    ) -> Result<Vec<(Vec<String>, u64)>, Irregular> {
        let mut reader = Reader::new(&COLS);
        let bytes = input.as_bytes();
        let header = if late || cut.is_some() {
            input.find('\n').unwrap() + 1
        } else {
            0
        };
        reader
            .whole_rows(&bytes[..header], &mut |_, _, _| unreachable!())
            .unwrap()?;
        if let Some(column) = as_written {
            reader.hand_as_written(column);
        }
        let mut out = Vec::new();
        let mut row = |cells: &[&str], _: &str, line| {
            out.push((cells.iter().map(|s| s.to_string()).collect(), line));
            Ok(())
        };
        let rest = &bytes[header..];
        match cut {
            Some(cut) => reader.whole_rows(&rest[..cut], &mut row).unwrap()?,
            None => {
                let n = reader.rows(rest, true, &mut row).unwrap()?;
                if n != rest.len() || !reader.has_header() {
                    return Err(Irregular);
                }
            }
        }
        Ok(out)
    }

    /// Where the test script says the CPU has AVX2 (`FAIRDRAW_REQUIRE_AVX2`), the kernel tests, which run
    /// `[false, has_avx2()]`, really run the AVX2 kernels.
    #[test]
    fn avx2_is_found_where_the_cpu_has_it() {
        if std::env::var_os("FAIRDRAW_REQUIRE_AVX2").is_some() {
            assert!(has_avx2(), "FAIRDRAW_REQUIRE_AVX2 is set but has_avx2() is false");
        }
    }

    /// Random rows of fields made of the pieces that matter to a CSV field and a list in it, each field
    /// written quoted (its quotes doubled) or as it is, which is irregular when it holds a special byte;
    /// the header in two orders. A reader handing a column as written accepts exactly what the plain reader
    /// accepts, with the same cells, that column's being the field as written; and `list_field_into` of it
    /// is the list of the plain cell's value.
    #[test]
    fn a_column_handed_as_written_is_the_field_as_in_the_file() {
        let pieces = [
            "a", "食品", ",", "\"", "\n", "[", "]", "\\", "[\"", "\",\"", "\"]", "\"\"", " ", "\t", "[]",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut random = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut lists = 0;
        for round in 0..4000 {
            let header = if round % 2 == 0 { "a,b,c\n" } else { "c,a,b\n" };
            let mut input = header.to_string();
            for _ in 0..1 + random(3) {
                for k in 0..3 {
                    let mut value = String::new();
                    match random(4) {
                        // A list of random items.
                        0 => {
                            let items: Vec<String> = (0..random(3))
                                .map(|_| (0..random(3)).map(|_| pieces[random(15) as usize]).collect())
                                .collect();
                            value = serde_json::to_string(&items).unwrap();
                        }
                        _ => {
                            for _ in 0..random(6) {
                                value.push_str(pieces[random(15) as usize]);
                            }
                        }
                    }
                    if random(5) > 0 {
                        input.push_str(&format!("\"{}\"", value.replace('"', "\"\"")));
                    } else {
                        input.push_str(&value);
                    }
                    input.push_str(if k < 2 { "," } else { "\n" });
                }
            }
            let plain = split_whole(&input, None, false, None);
            // Also as `split_rows` reads a buffer: `whole_rows`, which must end at a row's end, on the rows
            // whole, without their last byte (a quoted field may then be cut) and cut anywhere.
            let rows = input.len() - header.len();
            let cuts = [rows, rows - 1, random(rows as u64 + 1) as usize];
            let mut pairs = vec![];
            for column in 0..3 {
                pairs.push((
                    split_whole(&input, Some(column), round % 3 == 0, None),
                    plain.clone(),
                    column,
                ));
                for cut in cuts {
                    let rows_of = |as_written| split_whole(&input, as_written, true, Some(cut));
                    pairs.push((rows_of(Some(column)), rows_of(None), column));
                }
            }
            for (written, plain, column) in pairs {
                assert_eq!(written.is_ok(), plain.is_ok(), "{input:?}");
                let (Ok(written), Ok(plain)) = (written, &plain) else {
                    continue;
                };
                assert_eq!(written.len(), plain.len());
                for ((w, wl), (p, pl)) in written.iter().zip(plain) {
                    assert_eq!(wl, pl);
                    for j in 0..3 {
                        if j == column {
                            assert_eq!(unquoted(&w[j]), p[j], "{input:?}");
                            let mut items = vec!["left over"];
                            let got = list_field_into(&w[j], &mut items).map(|()| items);
                            assert_eq!(got, list_of_value(&p[j]), "{:?} {:?}", w[j], p[j]);
                            lists += usize::from(list_of_value(&p[j]).is_some_and(|l| !l.is_empty()));
                        } else {
                            assert_eq!(w[j], p[j], "{input:?}");
                        }
                    }
                }
            }
        }
        // Enough of the fields were lists with items for the comparison to mean something.
        assert!(lists > 500, "{lists}");
    }

    /// Random rows of fields made of the bytes that matter, quoted or not (or badly), the header in the
    /// written order or another, a column handed as written or none: wherever `plain_row` takes a row, its
    /// fields are the cells `next_row` hands out for it and the cursor moves to the same place; where it
    /// does not, the cursor stays where it was. Rows of the plain shape with a quoted field handed as written
    /// are among those taken.
    #[test]
    fn plain_rows_are_the_cells_next_row_splits() {
        let pieces = ["a", "永", ",", "\"", "\n", "[", "]", "\"\"", " ", "", "\r"];
        let mut random = random_below(0x2545_f491_4f6c_dd1d);
        let (mut taken, mut quoted) = (0, 0);
        for round in 0..12_000 {
            let header = if round % 5 == 0 { "c,a,b\n" } else { "a,b,c\n" };
            let mut input = header.to_string();
            for _ in 0..1 + random(4) {
                let fields: Vec<String> = (0..[3, 3, 3, 3, 2, 4][random(6)])
                    .map(|_| {
                        let value: String = (0..random(4))
                            .map(|_| pieces[random(if round % 2 == 0 { 3 } else { 11 })])
                            .collect();
                        let needs = value.contains([',', '"', '\n']);
                        match random(6) {
                            _ if needs && round % 2 == 0 => format!("\"{}\"", value.replace('"', "\"\"")),
                            0 => format!("\"{}\"", value.replace('"', "\"\"")),
                            1 if round % 7 == 0 => format!("\"{value}"),
                            _ => value,
                        }
                    })
                    .collect();
                input.push_str(&fields.join(","));
                input.push_str(if random(30) == 0 { "\n\n" } else { "\n" });
            }
            let as_written = [None, Some(0), Some(1), Some(2)][random(4)];
            let mut reader = Reader::new(&COLS);
            let bytes = input.as_bytes();
            let header_end = header.len();
            let read = reader.whole_rows(&bytes[..header_end], &mut |_, _, _| unreachable!());
            assert!(matches!(read, Ok(Ok(()))), "{input:?}");
            if let Some(column) = as_written {
                reader.hand_as_written(column);
            }
            let Ok(mut cursor) = reader.begin(&bytes[header_end..]) else {
                continue;
            };
            let text = cursor.text();
            let mut ends = [0; MAX_COLUMNS];
            loop {
                let mut general = reader.clone();
                let mut alone = cursor;
                let mut cells: Vec<String> = Vec::new();
                let split = general
                    .next_row(&mut alone, false, &mut |c, _, _| {
                        cells = c.iter().map(|c| c.to_string()).collect();
                        Ok(())
                    })
                    .unwrap();
                let before = cursor.at();
                match reader.plain_row(&mut cursor, &mut ends) {
                    Some(start) => {
                        taken += 1;
                        assert_eq!(start, before);
                        assert!(matches!(split, Ok(true)), "{input:?}");
                        let fields: Vec<&str> = (0..3)
                            .map(|k| &text[if k == 0 { start } else { ends[k - 1] + 1 }..ends[k]])
                            .collect();
                        assert_eq!(fields, cells, "{input:?}");
                        assert_eq!(cursor.at(), alone.at(), "{input:?}");
                        quoted += usize::from(fields.iter().any(|f| f.starts_with('"')));
                    }
                    None => {
                        assert_eq!(cursor.at(), before, "{input:?}");
                        match split {
                            Ok(true) => {
                                reader = general;
                                cursor = alone;
                            }
                            _ => break,
                        }
                    }
                }
            }
        }
        assert!(
            taken > 1000 && quoted > 400,
            "{taken} taken, {quoted} with a quoted field"
        );
    }

    /// Odd list fields as written, each read as the list of its value.
    #[test]
    fn list_fields_as_written() {
        let cases: [(&str, Option<&[&str]>); 16] = [
            ("", Some(&[])),
            ("[]", Some(&[])),
            ("\"\"", Some(&[])),
            ("\"[]\"", Some(&[])),
            ("\"[\"\"食品\"\"]\"", Some(&["食品"])),
            ("\"[\"\"食品\"\",\"\"餐饮\"\"]\"", Some(&["食品", "餐饮"])),
            ("\"[\"\"a,b\"\"]\"", Some(&["a,b"])),
            ("\"[\"\"\"\"]\"", Some(&[""])),
            ("\"[\"\"\"\",\"\"\"\"]\"", Some(&["", ""])),
            ("\"[\"\"]\"", None),
            ("\"[\"\"a\"\", \"\"b\"\"]\"", None),
            ("\"[\"\"a\"\"\"\"b\"\"]\"", None),
            ("\"[\"\"a\\\"\"b\"\"]\"", None),
            ("\"[\"\"a\nb\"\"]\"", None),
            ("\"[ ]\"", None),
            ("[1]", None),
        ];
        for (field, expected) in cases {
            let value = unquoted(field);
            assert_eq!(list_of_value(&value).as_deref(), expected, "{field}");
            let mut items = Vec::new();
            let got = list_field_into(field, &mut items).map(|()| items);
            assert_eq!(got.as_deref(), expected, "{field}");
        }
    }

    #[test]
    fn simple_lists() {
        assert_eq!(simple_list("[\"食品\",\"餐饮\"]"), Some(vec!["食品", "餐饮"]));
        assert_eq!(simple_list("[\"\"]"), Some(vec![""]));
        for not in [
            "[]",
            "[\"a\", \"b\"]",
            "[\"a\\\"b\"]",
            "[\"a\"b\"]",
            "[\"a\tb\"]",
            "[1]",
        ] {
            assert_eq!(simple_list(not), None, "{not}");
        }
    }
}
