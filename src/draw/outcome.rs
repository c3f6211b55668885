//! The outcome of a draw (§10): its JSON form as recorded in a bundle and its fingerprint `fp_outcome`.

use serde::{Deserialize, Serialize};

use super::encode::{Enc, Hash32};

/// Why an entity was excluded (§6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    Explicit,
    Status,
    RecentlyInspected,
}

impl ExclusionReason {
    pub const ALL: [ExclusionReason; 3] = [
        ExclusionReason::Explicit,
        ExclusionReason::Status,
        ExclusionReason::RecentlyInspected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExclusionReason::Explicit => "explicit",
            ExclusionReason::Status => "status",
            ExclusionReason::RecentlyInspected => "recently_inspected",
        }
    }
}

/// Why an inspector is not eligible (§8.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IneligibleReason {
    Department,
    Status,
    NoCertificate,
    CertificateUnknown,
    CertificateExpired,
    Qualification,
}

impl IneligibleReason {
    pub const ALL: [IneligibleReason; 6] = [
        IneligibleReason::Department,
        IneligibleReason::Status,
        IneligibleReason::NoCertificate,
        IneligibleReason::CertificateUnknown,
        IneligibleReason::CertificateExpired,
        IneligibleReason::Qualification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IneligibleReason::Department => "department",
            IneligibleReason::Status => "status",
            IneligibleReason::NoCertificate => "no_certificate",
            IneligibleReason::CertificateUnknown => "certificate_unknown",
            IneligibleReason::CertificateExpired => "certificate_expired",
            IneligibleReason::Qualification => "qualification",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    pub code: String,
    pub reason: ExclusionReason,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumSummary {
    pub key: String,
    pub size: u32,
    pub quota: u32,
    pub reserve: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    pub code: String,
    pub stratum: String,
    /// The group number, or `None` if the target could not be assigned without breaking a recusal.
    pub group: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveEntry {
    pub code: String,
    pub stratum: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ineligible {
    pub staff_no: String,
    pub reason: IneligibleReason,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub number: u32,
    /// The leader's staff number, or `None` when no leader is required.
    pub leader: Option<String>,
    /// Staff numbers in the order drawn (the leader first).
    pub members: Vec<String>,
    /// Entity codes in the order assigned.
    pub targets: Vec<String>,
}

/// The outcome of a draw, as recorded in a bundle (§10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub algorithm: String,
    pub seed: Hash32,
    pub excluded: Vec<Excluded>,
    pub strata: Vec<StratumSummary>,
    pub targets: Vec<TargetEntry>,
    pub reserves: Vec<ReserveEntry>,
    pub ineligible_inspectors: Vec<Ineligible>,
    pub groups: Vec<GroupEntry>,
    pub unassigned: Vec<String>,
}

impl Outcome {
    /// `fp_outcome` (§10).
    pub fn fingerprint(&self) -> Hash32 {
        let mut e = Enc::labelled("fairdraw-outcome/1");
        e.str(&self.algorithm);
        e.bytes(&self.seed.0);
        e.len(self.excluded.len());
        for x in &self.excluded {
            e.str(&x.code);
            e.str(x.reason.as_str());
        }
        e.len(self.strata.len());
        for x in &self.strata {
            e.str(&x.key);
            e.u32(x.size);
            e.u32(x.quota);
            e.u32(x.reserve);
        }
        e.len(self.targets.len());
        for x in &self.targets {
            e.str(&x.code);
            e.str(&x.stratum);
            e.opt_u32(x.group);
        }
        e.len(self.reserves.len());
        for x in &self.reserves {
            e.str(&x.code);
            e.str(&x.stratum);
        }
        e.len(self.ineligible_inspectors.len());
        for x in &self.ineligible_inspectors {
            e.str(&x.staff_no);
            e.str(x.reason.as_str());
        }
        e.len(self.groups.len());
        for x in &self.groups {
            e.u32(x.number);
            e.str(x.leader.as_deref().unwrap_or(""));
            e.strs(&x.members);
            e.strs(&x.targets);
        }
        e.strs(&self.unassigned);
        e.finish()
    }
}
