//! Text that enters is checked in one place, before any handler or query runs: the path, the query string and a
//! form's body may not carry NUL or the other control characters (U+0000–U+001F but tab, line feed and carriage
//! return, and U+007F), raw or percent-encoded. PostgreSQL refuses NUL in text (a 500 on ten handlers before), and
//! none of the others belongs in a ticket. Such a request is refused with 400 and a message; nothing is stored.
//! A file upload's body is streamed past this check: its text parts are refused by the same rule as they are read
//! (`web::attachments`); in a file name they make the part unreadable, refused the same way (and what else a name
//! may not hold is replaced by `domain::attachment::clean_name`).

use crate::error::AppError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

fn is_control(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0x7f
}

/// Whether `raw` (as sent: percent-encoded or not) holds a control character.
pub fn has_control(raw: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    raw.iter().enumerate().any(|(i, &b)| {
        is_control(b)
            || (b == b'%'
                && matches!((raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex)),
                            (Some(hi), Some(lo)) if is_control((hi * 16 + lo) as u8)))
    })
}

pub async fn refuse_control_characters<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let mut bad = has_control(req.path().as_bytes()) || has_control(req.query_string().as_bytes());
    if !bad && let Some(body) = super::csrf::form_body(&mut req).await? {
        bad = has_control(&body);
    }
    if bad {
        return Ok(req.error_response(AppError::BadRequest("error-control-characters")).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::has_control;

    #[test]
    fn control_characters_raw_or_encoded_are_found_and_text_is_left_alone() {
        for bad in ["%00", "q=%00", "a%1Fb", "%7f", "x\u{0}y", "%1b[31m", "a=%0B"] {
            assert!(has_control(bad.as_bytes()), "{bad}");
        }
        let fine = ["q=%E6%BC%8F%E6%B0%B4", "body=line%0Aline%0D%0A%09tab", "a%20b", "100%", "%zz", "漏水 \u{202e} 😀"];
        for ok in fine {
            assert!(!has_control(ok.as_bytes()), "{ok}");
        }
    }
}
