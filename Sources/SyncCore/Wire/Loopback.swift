/// Whether a host names this machine, so that what is sent to it crosses no network: exactly
/// `localhost`, the IPv6 loopback `::1`, or an IPv4 address literal in 127.0.0.0/8. A name that
/// merely begins with "127." (`127.example.org`) is a remote host like any other.
public enum Loopback {
    public static func contains(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: ["[", "]"]).lowercased()
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let octets = parts.map { part -> Int? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { return nil }
            return Int(part).flatMap { (0...255).contains($0) ? $0 : nil }
        }
        guard octets.allSatisfy({ $0 != nil }) else { return false }
        return octets[0] == 127
    }
}
