//! QR codes as vector rectangles: the record hash printed on paper can be scanned back into a computer.
//!
//! The code is drawn as filled rectangles (one per horizontal run of dark modules), not as an image, so it
//! stays sharp at any zoom and costs a few hundred bytes.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{Error, ErrorCode, Result};

/// The modules of a QR code: `width` × `width`, row by row, `true` for dark.
pub(crate) struct QrMatrix {
    pub(crate) width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload` in byte mode at error correction level M (15 % of the code may be damaged).
    pub(crate) fn encode(payload: &str, block: usize) -> Result<QrMatrix> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|e| {
            Error::other(
                ErrorCode::Invalid,
                format!(
                    "第 {block} 块（二维码）：内容（{} 字节）无法编码为二维码：{e}",
                    payload.len()
                ),
                format!(
                    "block {block} (QR code): the payload ({} bytes) cannot be encoded as a QR code: {e}",
                    payload.len()
                ),
            )
        })?;
        Ok(QrMatrix {
            width: code.width(),
            dark: code.to_colors().into_iter().map(|c| c == Color::Dark).collect(),
        })
    }

    /// Horizontal runs of dark modules as `(row, first column, length)`.
    pub(crate) fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for row in 0..self.width {
            let line = &self.dark[row * self.width..(row + 1) * self.width];
            let mut col = 0;
            while col < self.width {
                if line[col] {
                    let start = col;
                    while col < self.width && line[col] {
                        col += 1;
                    }
                    runs.push((row, start, col - start));
                } else {
                    col += 1;
                }
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = QrMatrix::encode("fairdraw", 1).unwrap();
        assert_eq!(m.width, 21);
        let mut drawn = vec![false; m.width * m.width];
        for (row, col, len) in m.runs() {
            for c in col..col + len {
                assert!(!drawn[row * m.width + c]);
                drawn[row * m.width + c] = true;
            }
        }
        assert_eq!(drawn, m.dark);
    }

    #[test]
    fn too_long_payload_is_an_invalid_error() {
        let e = QrMatrix::encode(&"x".repeat(5000), 7).err().unwrap();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert!(e.message(crate::Lang::Zh).contains("第 7 块"));
    }
}
