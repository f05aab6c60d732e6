//! A person's own account: signing in and out (`session`), activation and reset links
//! (`links`), the overview, settings and password (`settings`), export and deletion (`data`).

mod data;
mod links;
mod session;
mod settings;

pub use data::{delete_account, delete_account_form, export_data};
pub use links::{
    link_form, link_invalid, reset_request, reset_request_form, set_password, sign_up, sign_up_form,
};
pub use session::{login, login_form, logout};
pub use settings::{change_password, change_password_form, overview, save_settings, settings_form};

use crate::domain::{FieldErrors, passwords};

fn user_agent(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A new password and its confirmation, checked against the policy.
fn check_new_password(errors: &mut FieldErrors, password: &str, confirm: &str) {
    if let Err(key) = passwords::check_policy(password) {
        errors.add("password", key);
    }
    if errors.get("password").is_none() && password != confirm {
        errors.add("password_confirm", "error.password_mismatch");
    }
}
