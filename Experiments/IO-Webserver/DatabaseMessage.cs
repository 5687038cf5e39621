namespace IOWebserver;

/// <summary>
/// URPC messages between the HTTP dispatcher and the database dispatcher. Query (HTTP to DB): w0 = transmit buffer
/// (HTTP's pool) to render the body into at <see cref="HttpResponses.HeadRoom"/>, w1 = item id, w2 = connection id,
/// w3 = 1 to keep the connection alive. Result (DB to HTTP): w0 = the same buffer, w1 = body bytes, w2 = connection
/// id, w3 = HTTP status (200 or 404) in bits 0-15 and keep-alive as asked in bit 16.
/// </summary>
public static class DatabaseMessage
{
    public const byte Query = 20, Result = 21;
}
