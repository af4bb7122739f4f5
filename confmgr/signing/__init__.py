"""Digital signatures on issued documents (Decree 30/2020 Art. 13, 14, 17, 32–33; PAdES).

An issued document goes numbered → signed (the authorised signer) → sealed (the
agency's signature, applied by the clerk). Each step is a new *revision*: the previous
bytes followed by an incremental update, stored once with its SHA-256.
"""
