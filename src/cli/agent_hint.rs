//! What to tell a user when an agent may be left on the server: after an aborted connect
//! (approve creates the agent before the exchange) and after `paas disconnect` (an agent
//! token cannot delete itself). It keeps a live token until an admin deletes it.

use crate::cli::commands::env::{Shell, default_shell};

/// The commands that delete an agent with the admin token (finding its id first if unknown),
/// in the syntax of the shell `paas env` would target here: curl for POSIX shells, and
/// `Invoke-RestMethod` on Windows, where `curl` may be an alias of `Invoke-WebRequest` and
/// native arguments lose their inner double quotes.
pub fn delete_agent_commands(api: &str, agent_id: Option<&str>) -> String {
    commands(default_shell() == Shell::Powershell, api, agent_id)
}

fn commands(powershell: bool, api: &str, agent_id: Option<&str>) -> String {
    let id = agent_id.unwrap_or("<id>");
    let (list, delete) = if powershell {
        let auth = "-Headers @{Authorization = \"Bearer $env:ADMIN_TOKEN\"}";
        (
            format!("Invoke-RestMethod {api}/api/agents {auth}"),
            format!(
                "Invoke-RestMethod -Method Post {api}/api/agents/delete {auth} \
                 -ContentType 'application/json' -Body '{{\"id\":\"{id}\"}}'"
            ),
        )
    } else {
        let auth = "-H \"Authorization: Bearer $ADMIN_TOKEN\"";
        (
            format!("curl {auth} {api}/api/agents"),
            format!(
                "curl -X POST {api}/api/agents/delete {auth} \
                 -H 'Content-Type: application/json' -d '{{\"id\":\"{id}\"}}'"
            ),
        )
    };
    match agent_id {
        Some(_) => format!("  {delete}"),
        None => format!("  {list}   # find its id\n  {delete}"),
    }
}

/// Lines explaining that an agent may exist on the server and how to delete it.
pub fn orphan_agent_hint(api: &str, agent_id: Option<&str>) -> String {
    let which = match agent_id {
        Some(id) => format!("The agent {id} was created"),
        None => "If you approved in the browser, an agent may already exist".to_owned(),
    };
    format!(
        "{which} on the server and keeps a valid token until deleted. Delete it in the \
         dashboard's agent list, or with the admin token:\n{}",
        delete_agent_commands(api, agent_id)
    )
}

#[cfg(test)]
mod tests {
    use super::commands;

    #[test]
    fn posix_shells_get_curl_with_the_id_quoted_once() {
        let text = commands(false, "http://p", Some("a1"));
        assert_eq!(
            text,
            "  curl -X POST http://p/api/agents/delete -H \"Authorization: Bearer $ADMIN_TOKEN\" \
             -H 'Content-Type: application/json' -d '{\"id\":\"a1\"}'"
        );
    }

    #[test]
    fn powershell_gets_invoke_rest_method_and_the_env_variable() {
        let text = commands(true, "http://p", None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "  Invoke-RestMethod http://p/api/agents -Headers @{Authorization = \"Bearer $env:ADMIN_TOKEN\"}   # find its id",
                "  Invoke-RestMethod -Method Post http://p/api/agents/delete -Headers @{Authorization = \"Bearer $env:ADMIN_TOKEN\"} -ContentType 'application/json' -Body '{\"id\":\"<id>\"}'",
            ]
        );
    }
}
