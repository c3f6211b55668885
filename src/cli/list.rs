//! `fairdraw list entities|inspectors|items|departments [--json]`.

use std::process::ExitCode;

use fairdraw::model::Register;
use fairdraw::registers;

use super::Ctx;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Which register.
    #[arg(value_enum)]
    pub register: RegisterArg,
}

/// The register named on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RegisterArg {
    Departments,
    Entities,
    Inspectors,
    Items,
}

impl From<RegisterArg> for Register {
    fn from(r: RegisterArg) -> Register {
        match r {
            RegisterArg::Departments => Register::Departments,
            RegisterArg::Entities => Register::Entities,
            RegisterArg::Inspectors => Register::Inspectors,
            RegisterArg::Items => Register::Items,
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> fairdraw::Result<ExitCode> {
    let db = ctx.open_db()?;
    let conn = db.conn();
    let register: Register = args.register.into();
    let (json, lines): (serde_json::Value, Vec<String>) = match register {
        Register::Departments => {
            let v = registers::list_departments(conn)?;
            let lines = v.iter().map(|d| format!("{}\t{}", d.code, d.name)).collect();
            (serde_json::to_value(&v).unwrap_or_default(), lines)
        }
        Register::Entities => {
            let v = registers::list_entities(conn)?;
            let lines = v
                .iter()
                .map(|e| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        e.code,
                        e.name,
                        e.region,
                        e.status,
                        e.risk_class.map(|r| r.as_str()).unwrap_or("-")
                    )
                })
                .collect();
            (serde_json::to_value(&v).unwrap_or_default(), lines)
        }
        Register::Inspectors => {
            let v = registers::list_inspectors(conn)?;
            let lines = v
                .iter()
                .map(|i| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        i.staff_no, i.name, i.department, i.certificate_no, i.status
                    )
                })
                .collect();
            (serde_json::to_value(&v).unwrap_or_default(), lines)
        }
        Register::Items => {
            let v = registers::list_items(conn)?;
            let lines = v
                .iter()
                .map(|i| format!("{}\t{}\t{}", i.code, i.name, i.department))
                .collect();
            (serde_json::to_value(&v).unwrap_or_default(), lines)
        }
    };
    if ctx.json {
        ctx.print_json(&json);
    } else {
        for l in lines {
            super::out(&l);
        }
    }
    Ok(ExitCode::SUCCESS)
}
