//! Policy: handlers return `AppError`; this is the one place errors become HTTP responses.
//! User mistakes get their own status and a bilingual page; anything unexpected is a 500 whose
//! cause is logged with its chain and never shown.

use crate::domain::DomainError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request")]
    BadRequest,
    /// A form with field errors (handlers re-render the form; this is the fallback).
    #[error("invalid input")]
    Invalid(crate::domain::FieldErrors),
    /// A state conflict, named (handlers show it in context; this is the fallback).
    #[error("conflict: {0:?}")]
    Conflict(crate::domain::Conflict),
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body did not arrive within its deadline.
    #[error("request timeout")]
    RequestTimeout,
    #[error("too many requests")]
    TooManyRequests,
    /// The server is saturated for this kind of work (e.g. the password-hashing queue).
    #[error("busy")]
    Busy,
    #[error("CSRF token missing or wrong")]
    CsrfFailed,
    /// Anonymous request to a page that needs a signed-in person: redirect to this sign-in URL.
    #[error("sign-in required")]
    LoginRequired(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> AppError {
        match err {
            DomainError::NotFound => AppError::NotFound,
            DomainError::Forbidden => AppError::Forbidden,
            DomainError::Conflict(what) => AppError::Conflict(what),
            DomainError::Invalid(errors) => AppError::Invalid(errors),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<crate::flows::FlowError> for AppError {
    fn from(err: crate::flows::FlowError) -> AppError {
        match err {
            crate::flows::FlowError::Domain(e) => e.into(),
            crate::flows::FlowError::Mail(e) => AppError::Internal(e.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(err: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

impl From<crate::qr::QrError> for AppError {
    fn from(err: crate::qr::QrError) -> Self {
        AppError::Internal(err.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> AppError {
        AppError::Internal(err.into())
    }
}

/// The bilingual error page: both languages on one page, since the error may precede any
/// knowledge of the reader's choice.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title_zh: &'static str,
    title_en: &'static str,
    message_zh: &'static str,
    message_en: &'static str,
    /// Shown on a 500, for the person to quote to an operator.
    request_id: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::CsrfFailed => StatusCode::FORBIDDEN,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::LoginRequired(_) => StatusCode::SEE_OTHER,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = crate::web::http::request_log::current_request_id();
        if let AppError::Internal(err) = self {
            tracing::error!(error = ?err, request_id = %request_id, "internal error");
        }
        if let AppError::LoginRequired(location) = self {
            return HttpResponse::SeeOther()
                .insert_header(("Location", location.as_str()))
                .insert_header(("Cache-Control", "no-store"))
                .finish();
        }
        let (title_zh, title_en, message_zh, message_en) = match self {
            AppError::NotFound => (
                "页面不存在",
                "Page not found",
                "您访问的页面不存在或已被移除。",
                "The page you asked for does not exist or has been removed.",
            ),
            AppError::Forbidden => (
                "无权访问",
                "Not allowed",
                "您没有执行此操作的权限。",
                "You do not have permission to do this.",
            ),
            AppError::BadRequest | AppError::Invalid(_) => (
                "请求无效",
                "Bad request",
                "请求无法处理，请返回后重试。",
                "The request could not be processed. Please go back and try again.",
            ),
            AppError::Conflict(_) => (
                "操作未能完成",
                "Could not be done",
                "此操作与当前状态冲突（可能已被他人处理）。请刷新页面查看最新状态。",
                "This conflicts with the current state (someone may have acted first). Reload the page to see it.",
            ),
            AppError::PayloadTooLarge => (
                "内容过大",
                "Too large",
                "提交的内容超过了允许的大小。",
                "What you sent is larger than allowed.",
            ),
            AppError::RequestTimeout => (
                "请求超时",
                "Request timed out",
                "提交的内容没有及时送达。请检查网络后重新提交。",
                "What you sent did not arrive in time. Check your connection and send it again.",
            ),
            AppError::TooManyRequests => (
                "请求过于频繁",
                "Too many requests",
                "请稍候几分钟再试。",
                "Please wait a few minutes and try again.",
            ),
            AppError::Busy => (
                "服务器繁忙",
                "Server busy",
                "现在请求的人太多，请几秒钟后再试。",
                "Too many people are asking at once. Please try again in a few seconds.",
            ),
            AppError::CsrfFailed => (
                "表单已过期",
                "Form expired",
                "这个页面打开太久了，为安全起见表单已失效。请返回上一页，刷新后再提交一次。",
                "This page was open too long, so for safety its form no longer works. Go back, reload the page and send it again.",
            ),
            AppError::LoginRequired(_) => ("", "", "", ""),
            AppError::Internal(_) => (
                "服务器出错了",
                "Something went wrong",
                "我们已记录此问题，请稍后再试。",
                "We have logged the problem. Please try again later.",
            ),
        };
        let status = self.status_code();
        let page = ErrorPage {
            status: status.as_u16(),
            title_zh,
            title_en,
            message_zh,
            message_en,
            request_id: if matches!(self, AppError::Internal(_)) {
                request_id
            } else {
                String::new()
            },
        };
        let mut res = HttpResponse::build(status);
        res.insert_header(("Cache-Control", "no-store"));
        match self {
            AppError::TooManyRequests => {
                res.insert_header(("Retry-After", "60"));
            }
            AppError::Busy => {
                res.insert_header(("Retry-After", "5"));
            }
            _ => {}
        }
        match page.render() {
            Ok(body) => res.content_type("text/html; charset=utf-8").body(body),
            Err(_) => res
                .content_type("text/plain; charset=utf-8")
                .body(format!("{title_zh} / {title_en}")),
        }
    }
}
