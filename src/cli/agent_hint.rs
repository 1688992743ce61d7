//! What to tell a user when an agent may be left on the server: after an aborted connect
//! (approve creates the agent before the exchange) and after `paas disconnect` (an agent
//! token cannot delete itself). It keeps a live token until an admin deletes it.

/// The commands that delete an agent with the admin token (finding its id first if unknown).
pub fn delete_agent_commands(api: &str, agent_id: Option<&str>) -> String {
    match agent_id {
        Some(id) => format!(
            "  curl -X POST {api}/api/agents/delete -H \"Authorization: Bearer $ADMIN_TOKEN\" \
             -H 'Content-Type: application/json' -d '{{\"id\":\"{id}\"}}'"
        ),
        None => format!(
            "  curl -H \"Authorization: Bearer $ADMIN_TOKEN\" {api}/api/agents   # find its id\n  \
             curl -X POST {api}/api/agents/delete -H \"Authorization: Bearer $ADMIN_TOKEN\" \
             -H 'Content-Type: application/json' -d '{{\"id\":\"<id>\"}}'"
        ),
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
