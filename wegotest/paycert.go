package wegotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// payCerts is the public key infrastructure of a fake platform, made when it
// starts: a CA, the certificate of the TLS listener for the endpoints that
// need the merchant's client certificate (refunds), and the merchant's
// client certificate, whose common name is the MchID as on WeChat Pay.
type payCerts struct {
	ca       *x509.CertPool
	server   tls.Certificate
	dir      string // holds the client certificate and key; removed on Close
	certPath string
	keyPath  string
}

// newPayCerts generates the certificates and writes the merchant's client
// certificate and key as PEM files (apiclient_cert.pem, apiclient_key.pem)
// into a new temporary directory.
func newPayCerts(mchID string) (*payCerts, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"wegotest"}, CommonName: "wegotest pay CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	issue := func(tmpl *x509.Certificate) (tls.Certificate, []byte, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, nil, nil, err
		}
		tmpl.SerialNumber = serial()
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(24*time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return tls.Certificate{}, nil, nil, err
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, der, key, nil
	}
	server, _, _, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "api.mch.weixin.qq.com"},
		DNSNames:    []string{"localhost", "api.mch.weixin.qq.com"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	_, clientDER, clientKey, err := issue(&x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"wegotest merchant"}, CommonName: mchID},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(clientKey)
	if err != nil {
		return nil, err
	}

	pc := &payCerts{ca: x509.NewCertPool(), server: server}
	pc.ca.AddCert(caCert)
	if pc.dir, err = os.MkdirTemp("", "wegotest-pay-"); err != nil {
		return nil, err
	}
	pc.certPath = filepath.Join(pc.dir, "apiclient_cert.pem")
	pc.keyPath = filepath.Join(pc.dir, "apiclient_key.pem")
	err = os.WriteFile(pc.certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: clientDER}), 0o600)
	if err == nil {
		err = os.WriteFile(pc.keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	}
	if err != nil {
		_ = os.RemoveAll(pc.dir)
		return nil, fmt.Errorf("wegotest: write client certificate: %w", err)
	}
	return pc, nil
}

// serverTLS is the configuration of the listener that demands a client
// certificate signed by the platform's CA in the handshake.
func (pc *payCerts) serverTLS() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{pc.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pc.ca,
		MinVersion:   tls.VersionTLS12,
	}
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// clientTLS is what a client needs to trust the listener; the merchant's
// certificate is added by whoever holds it.
func (pc *payCerts) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: pc.ca, MinVersion: tls.VersionTLS12}
}

// remove deletes the certificate files.
func (pc *payCerts) remove() { _ = os.RemoveAll(pc.dir) }
