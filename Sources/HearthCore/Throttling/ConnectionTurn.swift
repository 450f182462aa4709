/// Told to the handlers of a new connection that a listener holds in its line (an inbound user
/// event): it waits, then is let in. A deadline that counts the client's time (HTTPS: the first
/// request's head; MQTT: CONNECT) starts at `letIn`: while in the line the connection costs a
/// socket, the line bounds how long it may wait, and only its client decides how long it is worth
/// waiting.
public enum ConnectionTurn: Sendable {
    case waiting
    case letIn
}
