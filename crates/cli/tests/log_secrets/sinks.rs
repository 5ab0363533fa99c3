//! Stand-ins at the edge of the world for the log test: an SMTP server that offers AUTH and an
//! HTTP SMS gateway, each keeping what it received.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// What the sinks received: SMTP commands and messages, SMS gateway requests.
#[derive(Default)]
pub struct Received {
    pub smtp_commands: Vec<String>,
    pub mails: Vec<String>,
    pub sms: Vec<(String, Value)>,
}

pub type Shared = Arc<Mutex<Received>>;

/// A small SMTP server that offers AUTH PLAIN and LOGIN and keeps every message.
pub fn smtp_sink(received: Shared) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let received = Arc::clone(&received);
            std::thread::spawn(move || smtp_session(stream, &received));
        }
    });
    port
}

fn smtp_session(stream: TcpStream, received: &Shared) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut say = |line: &str| writer.write_all(format!("{line}\r\n").as_bytes()).is_ok();
    say("220 sink ESMTP");
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        let command = line.trim_end().to_owned();
        line.clear();
        received.lock().unwrap().smtp_commands.push(command.clone());
        let verb = command.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let ok = match verb.as_str() {
            "EHLO" => say("250-sink") && say("250-AUTH PLAIN LOGIN") && say("250 8BITMIME"),
            "AUTH" => say("235 2.7.0 authenticated"),
            "DATA" => {
                say("354 go ahead");
                let mut mail = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    if line == ".\r\n" {
                        break;
                    }
                    mail.push_str(&line);
                    line.clear();
                }
                line.clear();
                received.lock().unwrap().mails.push(mail);
                say("250 2.0.0 queued")
            }
            "QUIT" => {
                say("221 bye");
                false
            }
            _ => say("250 ok"),
        };
        if !ok {
            break;
        }
    }
}

/// A small HTTP server standing in for the SMS gateway.
pub fn sms_sink(received: Shared) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut head, mut line) = (String::new(), String::new());
            while reader.read_line(&mut line).unwrap_or(0) > 2 {
                head.push_str(&line);
                line.clear();
            }
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|n| n.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            received.lock().unwrap().sms.push((head, body));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    port
}
