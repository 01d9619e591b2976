"""Personal data protected: lead data unreadable on the Temporal server, and kept out of logs.

The modules, by idea: `keys` (the codec keys from settings, for rotation), `codec` (the
AES-GCM payload codec), `converter` (the data converter every client and worker uses),
`redaction` (addresses and names taken out of text), `logs` (process logging that
redacts when the codec is on). Turned on by `SALESFLOW_CODEC_KEYS`; see README
"Personal data".
"""
