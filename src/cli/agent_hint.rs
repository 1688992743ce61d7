//! What to tell a user when a connect stops after the server may already have created an
//! agent (approve creates it before the exchange): it keeps a live token until deleted.

/// Lines explaining how to find and delete an agent that may exist on the server.
pub fn orphan_agent_hint(api: &str, agent_id: Option<&str>) -> String {
    let delete = match agent_id {
        Some(id) => format!(
            "  curl -X POST {api}/api/agents/delete -H \"Authorization: Bearer $ADMIN_TOKEN\" \
             -H 'Content-Type: application/json' -d '{{\"id\":\"{id}\"}}'"
        ),
        None => format!(
            "  curl -H \"Authorization: Bearer $ADMIN_TOKEN\" {api}/api/agents   # find its id\n  \
             curl -X POST {api}/api/agents/delete -H \"Authorization: Bearer $ADMIN_TOKEN\" \
             -H 'Content-Type: application/json' -d '{{\"id\":\"<id>\"}}'"
        ),
    };
    let which = match agent_id {
        Some(id) => format!("The agent {id} exists"),
        None => "If you approved in the browser, an agent may already exist".to_owned(),
    };
    format!(
        "{which} on the server and keeps a valid token until deleted. Delete it in the dashboard's \
         agent list, or with the admin token:\n{delete}"
    )
}
