//! Forms with a picture (`multipart/form-data`). The auth middleware reads such a body once, on
//! the routes that take pictures only, up to `BODY_MAX`; it checks the CSRF field in it and
//! leaves the parsed form in the request for the handler.

use crate::web::AppError;
use actix_web::{HttpMessage, HttpRequest, web};

/// The largest upload body read (the picture's own limit is 1 MiB and says so as a field
/// error; past this the request is refused with 413).
pub const BODY_MAX: usize = 6 * 1024 * 1024;

/// The routes whose forms carry a picture.
pub const ROUTES: [&str; 3] = [
    crate::paths::pattern::speaker_profile,
    crate::paths::pattern::new_organization,
    crate::paths::pattern::edit_organization,
];

/// A parsed form: its text fields and, for multipart, its file fields.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl FormData {
    /// A `application/x-www-form-urlencoded` body (forms with repeated or numbered fields).
    pub fn urlencoded(body: &[u8]) -> Result<FormData, AppError> {
        Ok(FormData {
            fields: serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest)?,
            files: Vec::new(),
        })
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// The bytes of a file field, None when no file was chosen.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Text fields as a form struct.
    pub fn form<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        let encoded =
            serde_urlencoded::to_string(&self.fields).map_err(|_| AppError::BadRequest)?;
        serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest)
    }
}

pub fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Parses a whole multipart body. A file field sent with no file (an empty name and no bytes)
/// counts as none chosen.
pub async fn parse(content_type: &str, body: web::Bytes) -> Result<FormData, AppError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| AppError::BadRequest)?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut upload = FormData::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest)?
    {
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let data = field.bytes().await.map_err(|_| AppError::BadRequest)?;
        if is_file {
            if !data.is_empty() || upload.files.len() < 4 {
                upload.files.push((name, data.to_vec()));
            }
        } else {
            let text = String::from_utf8(data.to_vec()).map_err(|_| AppError::BadRequest)?;
            upload.fields.push((name, text));
        }
        if upload.fields.len() > 100 {
            return Err(AppError::BadRequest);
        }
    }
    Ok(upload)
}

/// The parsed form the middleware left for this request.
pub fn take(req: &HttpRequest) -> Result<FormData, AppError> {
    req.extensions_mut()
        .remove::<FormData>()
        .ok_or(AppError::BadRequest)
}
