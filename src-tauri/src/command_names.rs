// The names of the app's commands, shared by `build.rs` (which generates an `allow-<name>` permission for
// each) and the tests that check `permissions/sets.toml` grants them to the right windows.

/// Every command, in the order of `generate_handler!`.
pub const COMMANDS: &[&str] = &[
    "app_info",
    "db_status",
    "register_counts",
    "list_departments",
    "list_entities",
    "list_inspectors",
    "list_items",
    "get_settings",
    "set_language",
    "set_department",
    "set_stage_theme",
    "set_stage_monitor",
    "list_monitors",
    "windows_state",
    "open_stage",
    "close_stage",
    "toggle_stage_fullscreen",
    "stage_view",
    "backup_database",
    "ui_ready",
];

/// The commands the stage window may call: it reads what it shows and toggles its own full screen.
pub const STAGE_COMMANDS: &[&str] = &["stage_view", "toggle_stage_fullscreen"];
