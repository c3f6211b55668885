//! The PDF record (摇号记录) and the record export, checked on real renderings with poppler's tools.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fairdraw::db::Db;
use fairdraw::pdf::Fonts;
use fairdraw::record::{self, RecordData, sample::SampleOptions};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::load_default().unwrap())
}

/// A database with the demo ceremony; the id of its drawn attempt.
struct Sample {
    dir: tempfile::TempDir,
    db: Db,
    id: i64,
}

impl Sample {
    fn new(o: &SampleOptions) -> Sample {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(dir.path().join("fairdraw.sqlite3")).unwrap();
        let id = record::sample::demo_ceremony(&mut db, o).unwrap();
        Sample { dir, db, id }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}

#[test]
fn scratch_look() {
    let Ok(keep) = std::env::var("RECORD_KEEP") else {
        return;
    };
    for (name, o) in [
        ("small", SampleOptions::default()),
        (
            "big",
            SampleOptions {
                entities: 20_000,
                inspectors: 2000,
                targets: 1000,
                targets_per_group: 20,
                ..SampleOptions::default()
            },
        ),
        (
            "draft",
            SampleOptions {
                seal: false,
                ..SampleOptions::default()
            },
        ),
    ] {
        let s = Sample::new(&o);
        let out = Path::new(&keep).join(name);
        let e = record::export(s.db.conn(), s.id, &out, fonts(), &mut |_| {}).unwrap();
        eprintln!("{name}: {e:?}");
        if name == "small" {
            let e = record::export(s.db.conn(), 1, &out, fonts(), &mut |_| {}).unwrap();
            eprintln!("voided: {e:?}");
        }
        let _ = RecordData::load(s.db.conn(), s.id).unwrap();
    }
}
