//! Contacts: the email addresses and phone numbers a user has, each with an id (`medium_id`), so
//! a code challenge can name where the code goes and the MFA info can list them masked (cidaas'
//! `medium_id`, LoginRadius' drop-down of masked addresses).
//!
//! The user's `email` and `phone` stay their primary contacts, under the fixed ids
//! [`PRIMARY_EMAIL`] and [`PRIMARY_PHONE`]; further ones are stored with ids of their own. Only a
//! verified contact receives sign-in codes.

use serde::Serialize;
use thiserror::Error;

use crate::challenge::Channel;
use crate::mask;
use crate::mfa_info::MfaInfo;
use crate::user::{self, User};
use crate::{DomainError, UnixTime};

pub const PRIMARY_EMAIL: &str = "primary-email";
pub const PRIMARY_PHONE: &str = "primary-phone";

/// At most this many contacts of each kind per user, the primary one included.
pub const MAX_PER_KIND: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The `medium_id`.
    pub id: String,
    pub channel: Channel,
    /// Normalised: a folded email address or an E.164 number.
    pub value: String,
    pub verified: bool,
    pub created_at: UnixTime,
}

/// A contact as a person may see it after their first factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskedContact {
    pub medium_id: String,
    /// `email` or `sms`.
    pub channel: &'static str,
    pub masked: String,
}

impl Contact {
    pub fn masked(&self) -> MaskedContact {
        MaskedContact {
            medium_id: self.id.clone(),
            channel: self.channel.as_str(),
            masked: match self.channel {
                Channel::Email => mask::email(&self.value),
                Channel::Sms => mask::phone(&self.value),
            },
        }
    }
}

/// The user's primary email and phone as contacts, followed by `extra` (as stored).
pub fn all_contacts(user: &User, extra: &[Contact]) -> Vec<Contact> {
    let primary = [
        user.email.as_ref().map(|value| Contact {
            id: PRIMARY_EMAIL.to_owned(),
            channel: Channel::Email,
            value: value.clone(),
            verified: user.email_verified,
            created_at: user.created_at,
        }),
        user.phone.as_ref().map(|value| Contact {
            id: PRIMARY_PHONE.to_owned(),
            channel: Channel::Sms,
            value: value.clone(),
            verified: user.phone_verified,
            created_at: user.created_at,
        }),
    ];
    primary
        .into_iter()
        .flatten()
        .chain(extra.iter().cloned())
        .collect()
}

/// The verified contacts, masked, for the MFA info — none before a first factor counts, so the
/// answer for a name tells nothing about who has it.
pub fn masked_for(info: &MfaInfo, contacts: &[Contact]) -> Vec<MaskedContact> {
    if !info.first_factor_passed {
        return Vec::new();
    }
    contacts
        .iter()
        .filter(|c| c.verified)
        .map(Contact::masked)
        .collect()
}

/// A new contact's value in its one stored form; refused when the user has it already or has
/// [`MAX_PER_KIND`] of its kind.
pub fn check_new(existing: &[Contact], channel: Channel, raw: &str) -> Result<String, DomainError> {
    let value = match channel {
        Channel::Email => user::normalise_email(raw)?,
        Channel::Sms => user::normalise_phone(raw)?,
    };
    if existing
        .iter()
        .any(|c| c.channel == channel && c.value == value)
    {
        return Err(DomainError::invalid(format!(
            "this {} is already one of the user's contacts",
            noun(channel)
        )));
    }
    if existing.iter().filter(|c| c.channel == channel).count() >= MAX_PER_KIND {
        return Err(DomainError::Limit(format!(
            "a user may have at most {MAX_PER_KIND} contacts of each kind"
        )));
    }
    Ok(value)
}

/// Why a code cannot go where it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MediumError {
    #[error("medium_id `{0}` is not one of the user's contacts")]
    Unknown(String),
    #[error("medium_id `{id}` is not an {expected}")]
    WrongChannel { id: String, expected: &'static str },
    #[error("medium_id `{0}` is not verified yet")]
    Unverified(String),
    #[error("the user has no verified {0} to send a code to")]
    NoneVerified(&'static str),
}

impl From<MediumError> for DomainError {
    fn from(e: MediumError) -> Self {
        DomainError::invalid(e.to_string())
    }
}

/// Where a code on `channel` goes: the contact `medium_id` names, or without one the primary
/// contact if verified, else the oldest verified one.
pub fn choose_medium<'a>(
    contacts: &'a [Contact],
    channel: Channel,
    medium_id: Option<&str>,
) -> Result<&'a Contact, MediumError> {
    if let Some(id) = medium_id {
        let contact = contacts
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| MediumError::Unknown(id.to_owned()))?;
        if contact.channel != channel {
            return Err(MediumError::WrongChannel {
                id: id.to_owned(),
                expected: noun(channel),
            });
        }
        if !contact.verified {
            return Err(MediumError::Unverified(id.to_owned()));
        }
        return Ok(contact);
    }
    let primary = match channel {
        Channel::Email => PRIMARY_EMAIL,
        Channel::Sms => PRIMARY_PHONE,
    };
    let mut verified: Vec<&Contact> = contacts
        .iter()
        .filter(|c| c.channel == channel && c.verified)
        .collect();
    verified.sort_by_key(|c| (c.id != primary, c.created_at));
    verified
        .first()
        .copied()
        .ok_or(MediumError::NoneVerified(noun(channel)))
}

fn noun(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email address",
        Channel::Sms => "phone number",
    }
}

#[cfg(test)]
mod tests;
