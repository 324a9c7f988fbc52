import Foundation

/// A certificate authority made for one test, and a server certificate it signed for
/// 127.0.0.1 and localhost, written by the `openssl` program into `directory`.
struct TestCertificates {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    /// A second CA, which signed nothing here: trusting it must not let the server in.
    let otherCACertificate: String

    init(in directory: TemporaryDirectory) throws {
        caCertificate = directory.path("ca.pem")
        serverCertificate = directory.path("server.pem")
        serverKey = directory.path("server.key")
        otherCACertificate = directory.path("other-ca.pem")
        let extensions = directory.path("server.ext")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.path("ca.key"), "-out", caCertificate,
             "-days", "2", "-subj", "/CN=CivicSync Test CA"],
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.path("other-ca.key"), "-out", otherCACertificate,
             "-days", "2", "-subj", "/CN=Another Test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out", directory.path("server.csr"), "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", directory.path("server.csr"), "-CA", caCertificate, "-CAkey", directory.path("ca.key"),
             "-CAcreateserial", "-out", serverCertificate, "-days", "2", "-extfile", extensions],
        ]
        for arguments in steps {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw E2EError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
            }
        }
    }
}
