package io.sbc.protocol;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Test messages modelled on RFC 4475 §3.1 (written for this project from the RFC's descriptions,
 * not copied from it). Each argument set starts with the case name, then the wire bytes.
 */
final class TortureCorpus {

  private TortureCorpus() {}

  /** Builds wire text: lines in CRLF form; {@code $CL} becomes the body length in bytes. */
  static byte[] sip(String head, String body) {
    String crlfBody = body.replace("\r\n", "\n").replace("\n", "\r\n");
    int cl = crlfBody.getBytes(StandardCharsets.UTF_8).length;
    String h = head.replace("\r\n", "\n").replace("\n", "\r\n").replace("$CL", Integer.toString(cl));
    if (!h.endsWith("\r\n")) {
      h += "\r\n";
    }
    return (h + "\r\n" + crlfBody).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] sip(String head) {
    return sip(head, "");
  }

  static final String SDP = """
      v=0
      o=mhandley 29739 7272939 IN IP4 192.0.2.3
      s=-
      c=IN IP4 192.0.2.3
      t=0 0
      m=audio 49217 RTP/AVP 0 12
      a=rtpmap:0 PCMU/8000
      """;

  // ---------------------------------------------------------------- §3.1.1 valid messages

  static Stream<Arguments> valid() {
    return Stream.of(
        // §3.1.1.1 short tortuous INVITE: compact forms, odd case, LWS and folding, unknown header
        Arguments.of("3.1.1.1 wsinv", sip("""
            INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
            TO :
             sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
            from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
              ;
              tag = 98asjd8
            MaX-fOrWaRdS: 0068
            Call-ID: wsinv.ndaksdj@192.0.2.1
            Content-Length   : $CL
            cseq: 0009
              INVITE
            Via  : SIP  /   2.0
             /UDP
                192.0.2.2;branch=390skdjuw
            s :
            NewFangledHeader:   newfangled value
             continued newfangled value
            UnknownHeaderWithUnusualValue: ;;,,;;,;
            Content-Type: application/sdp
            Route:
             <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
            v:  SIP  / 2.0  / TCP     spindle.example.com   ;
              branch  =   z9hG4bK9ikj8  ,
             SIP  /    2.0   / UDP  192.168.255.111   ; branch=
             z9hG4bK30239
            m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
                  newvalue ;
              secondparam ; q = 0.33
            """, SDP), "wsinv.ndaksdj@192.0.2.1"),
        // §3.1.1.2 wide range of valid characters in method, URI, tokens and quoted strings
        Arguments.of("3.1.1.2 intmeth", sip("""
            !interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0
            Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~
            To: "BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
            From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1'+`*%!-.
            Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/"][?}{
            CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~
            Max-Forwards: 255
            extensionHeader-!.%*+_`'~:\uFEFF\u5927\u505C\u96FB
            Content-Length: 0
            """), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"),
        // §3.1.1.3 valid use of % escaping in URIs and display names
        Arguments.of("3.1.1.3 esc01", sip("""
            INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0
            To: sip:%75se%72@example.com
            From: <sip:I%20have%20spaces@example.net>;tag=938
            Max-Forwards: 87
            i: esc01.239409asdfakjkn23onasd0-3234
            CSeq: 234234 INVITE
            Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw
            C: application/sdp
            Contact:
              <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
            Content-Length: $CL
            """, SDP), "esc01.239409asdfakjkn23onasd0-3234"),
        // §3.1.1.4 escaped NULs in URIs
        Arguments.of("3.1.1.4 escnull", sip("""
            REGISTER sip:example.com SIP/2.0
            To: sip:null-%00-null@example.com
            From: sip:null-%00-null@example.com;tag=839923423
            Max-Forwards: 70
            Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsf0
            CSeq: 3923239 REGISTER
            Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
            Contact: <sip:%00@host5.example.com>
            Contact: <sip:%00%00@host5.example.com>
            L:0
            """), "escnull.39203ndfvkjdasfkq3w4otrq0adsf0"),
        // §3.1.1.5 a % that is not an escape: method tokens may contain it
        Arguments.of("3.1.1.5 esc02", sip("""
            RE%47IST%45R sip:registrar.example.com SIP/2.0
            To: "%Z%45" <sip:resource@example.com>
            From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
            Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf
            Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234
            CSeq: 29344 RE%47IST%45R
            Max-Forwards: 70
            Contact: <sip:alias1@host1.example.com>
            C%6Fntact: <sip:alias2@host2.example.com>
            Contact: <sip:alias3@host3.example.com>
            l: 0
            """), "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf"),
        // §3.1.1.6 no LWS between display name and <
        Arguments.of("3.1.1.6 lwsdisp", sip("""
            OPTIONS sip:user@example.com SIP/2.0
            To: sip:user@example.com
            From: caller<sip:caller@example.com>;tag=323
            Max-Forwards: 70
            Call-ID: lwsdisp.1234abcd@funky.example.com
            CSeq: 60 OPTIONS
            Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw
            l: 0
            """), "lwsdisp.1234abcd@funky.example.com"),
        // §3.1.1.7 long values in header fields
        Arguments.of("3.1.1.7 longreq", sip(longRequest(), SDP), "longreq.one" + "r".repeat(200) + "@example.com"),
        // §3.1.1.9 semicolon-separated parameters in the user part of the Request-URI
        Arguments.of("3.1.1.9 semiuri", sip("""
            OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0
            To: sip:j_user@example.com
            From: sip:caller@example.org;tag=33242
            Max-Forwards: 3
            Call-ID: semiuri.0ha0isndaksdj
            CSeq: 8 OPTIONS
            Accept: application/sdp, application/pkcs7-mime,
                    multipart/mixed, multipart/signed,
                    message/sip, message/sipfrag
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw
            l: 0
            """), "semiuri.0ha0isndaksdj"),
        // §3.1.1.10 varied and unknown transports in Via
        Arguments.of("3.1.1.10 transports", sip("""
            OPTIONS sip:user@example.com SIP/2.0
            To: sip:user@example.com
            From: <sip:caller@example.com>;tag=323
            Max-Forwards: 70
            Call-ID: transports.kijh4akdnaqjkwendsasfdj
            Accept: application/sdp
            CSeq: 60 OPTIONS
            Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw
            Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
            Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
            Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
            Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee
            l: 0
            """), "transports.kijh4akdnaqjkwendsasfdj"),
        // §3.1.1.11 multipart MIME body
        Arguments.of("3.1.1.11 mpart", sip("""
            MESSAGE sip:kumiko@example.org SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport
            Max-Forwards: 70
            Route: <sip:127.0.0.1:5080>
            Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuL
             Ubw3/LQOJ/v6IuyDEWs8z9EUUhJAgTjhwQ+BgFqP8sJPfLPvX8/Ewjbr4oC
             LSIGI/U9TrAmFA9wKNuRJ1Gwdx/IhSB9e5WD+h5vDJJR+Es1YybxMWRo/Pn
             XGV/+iP7uR3PE=
            Identity-Info: <https://127.0.0.1:5080/cert>;alg=rsa-sha1
            To: <sip:kumiko@example.org>
            From: <sip:fluffy@example.com>;tag=2fb0dcc9
            Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..
            CSeq: 1 MESSAGE
            Accept: multipart/mixed, text/plain, message/cpim
            Content-Type: multipart/mixed;boundary=7a9cbec02ceef655
            Content-Length: $CL
            """, """
            --7a9cbec02ceef655
            Content-Type: text/plain
            Content-Transfer-Encoding: binary

            Hello
            --7a9cbec02ceef655
            Content-Type: application/octet-stream
            Content-Transfer-Encoding: binary

            0123456789
            --7a9cbec02ceef655--
            """), "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA.."),
        // §3.1.1.12 unusual (non-ASCII UTF-8) reason phrase in a response
        Arguments.of("3.1.1.12 unreason", sip("""
            SIP/2.0 200 = 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e \u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435
            Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923
            Call-ID: unreason.1234ksdfak3j2erwedfsASdf
            CSeq: 35 INVITE
            From: sip:user@example.com;tag=11141343
            To: sip:user@example.edu;tag=2229
            Content-Type: application/sdp
            Contact: <sip:user@host198.example.com>
            Content-Length: $CL
            """, SDP), "unreason.1234ksdfak3j2erwedfsASdf"),
        // §3.1.1.13 empty reason phrase (the space after the code is still there)
        Arguments.of("3.1.1.13 noreason", sip("""
            SIP/2.0 100 \n\
            Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
            Call-ID: noreason.asndj203insdf99223ndf
            CSeq: 35 INVITE
            From: <sip:user@example.com>;tag=39ansfi3
            To: <sip:user@example.edu>;tag=902jndnke3
            Content-Length: 0
            Contact: <sip:user@host105.example.com>
            """), "noreason.asndj203insdf99223ndf"),
        // RFC 3261 §7.5: CRLFs before the start line are ignored
        Arguments.of("leading CRLFs", concat("\r\n\r\n".getBytes(StandardCharsets.US_ASCII), sip("""
            OPTIONS sip:user@example.com SIP/2.0
            Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKlead
            To: <sip:user@example.com>
            From: <sip:caller@example.com>;tag=1
            Call-ID: leading-crlf
            CSeq: 1 OPTIONS
            """)), "leading-crlf"));
  }

  static String longRequest() {
    String r = "r".repeat(200);
    String tag = "12982".repeat(40);
    StringBuilder b = new StringBuilder();
    b.append("INVITE sip:user@example.com SIP/2.0\n");
    b.append("To: \"I have a user name of ").append("extreme".repeat(10))
        .append(" proportion\"<sip:user@example.com:6000;unknownparam1=verylonguri").append(r)
        .append(";longparam").append(r).append("=shortvalue;").append("very".repeat(20))
        .append("longParameterNameWithNoValue>\n");
    b.append("F: sip:").append("amazinglylongcallername".repeat(10)).append("@example.net;tag=")
        .append(tag).append(";unknownheaderparam").append("name".repeat(20)).append("=unknowheaderparam")
        .append("value".repeat(15)).append(";unknownValuelessparamname").append("name".repeat(10)).append("\n");
    b.append("Call-ID: longreq.one").append(r).append("@example.com\n");
    b.append("CSeq: 3882340 INVITE\n");
    b.append("Unknown-").append("Long".repeat(20)).append("-Name: unknown-").append("long".repeat(20))
        .append("-value; unknown-").append("long".repeat(20)).append("-parameter-name = unknown-")
        .append("long".repeat(20)).append("-parameter-value\n");
    b.append("Via: SIP/2.0/TCP sip33.example.com\n");
    b.append("v: SIP/2.0/TCP sip32.example.com\n");
    for (int i = 31; i > 0; i--) {
      b.append("V: SIP/2.0/TCP sip").append(i).append(".example.com\n");
    }
    b.append("Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very")
        .append("long".repeat(20)).append("branchvalue\n");
    b.append("Max-Forwards: 70\n");
    b.append("Contact: <sip:").append("amazinglylongcallername".repeat(10)).append("@host5.example.net>\n");
    b.append("Content-Type: application/sdp\n");
    b.append("l: $CL\n");
    return b.toString();
  }


  // ---------------------------------------------------------------- §3.1.2 invalid messages

  static final String BASE_INVITE = """
      INVITE sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.example.com>
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: 314159 INVITE
      Contact: <sip:alice@pc33.atlanta.example.com>
      Content-Type: application/sdp
      Content-Length: $CL
      """;

  /** name, wire bytes, whether a 400 must come back (request with recoverable core headers). */
  static Stream<Arguments> invalid() {
    return Stream.of(
        // §3.1.2.1 extraneous header field separators
        Arguments.of("3.1.2.1 badinv01", sip("""
            INVITE sip:user@example.com SIP/2.0
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=134161461246
            Max-Forwards: 7
            Call-ID: badinv01.0ha0isndaksdjasdf3234nas
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP 192.0.2.15;;,;,,
            Contact: "Joe" <sip:joe@example.org>;;,;,,
            Content-Length: $CL
            Content-Type: application/sdp
            """, SDP), false),
        // §3.1.2.2 Content-Length larger than the message
        Arguments.of("3.1.2.2 clerr", sip("""
            INVITE sip:user@example.com SIP/2.0
            Max-Forwards: 80
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=93942939o2
            Contact: <sip:caller@hungry.example.net>
            Call-ID: clerr.0ha0isndaksdjweiafasdk3
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523
            Content-Type: application/sdp
            Content-Length: 9999
            """, SDP), true),
        // §3.1.2.3 negative Content-Length
        Arguments.of("3.1.2.3 ncl", sip("""
            INVITE sip:user@example.com SIP/2.0
            Max-Forwards: 254
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=32394234
            Call-ID: ncl.0ha0isndaksdj2193423r542w35
            CSeq: 0 INVITE
            Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw
            Contact: <sip:caller@example53.example.net>
            Content-Type: application/sdp
            Content-Length: -999
            """, SDP), true),
        // §3.1.2.4 request scalar fields with overlarge values (CSeq first: no answer possible)
        Arguments.of("3.1.2.4 scalar02", sip("""
            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3
            To: <sip:user@example.com>
            From: <sip:user@example.com>;tag=239232jh3
            CSeq: 36893488147419103232 REGISTER
            Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32
            Max-Forwards: 300
            Expires: 1000000000000000000000000000000000000000000000000
            Contact: <sip:user@host129.example.com>
              ;expires=280297596632815
            Content-Length: 0
            """), false),
        // overlarge Max-Forwards alone: CSeq is intact, so the request can be answered
        Arguments.of("3.1.2.4 overlarge Max-Forwards", sip(BASE_INVITE.replace("Max-Forwards: 70", "Max-Forwards: 300"), SDP), true),
        // §3.1.2.5 response scalar fields with overlarge values: never answered
        Arguments.of("3.1.2.5 scalarlg", sip("""
            SIP/2.0 503 Service Unavailable
            Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129
            To: <sip:user@example.com>
            From: <sip:other@example.net>;tag=2easdjfejw
            CSeq: 9292394834772304023312 OPTIONS
            Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r
            Retry-After: 949302838503028349304023988
            Warning: 1812 overture "In Progress"
            Content-Length: 0
            """), false),
        // §3.1.2.6 unterminated quoted string in display name
        Arguments.of("3.1.2.6 quotbal", sip("""
            INVITE sip:user@example.com SIP/2.0
            To: "Mr. J. User <sip:j.user@example.com>
            From: sip:caller@example.net;tag=93334
            Max-Forwards: 10
            Call-ID: quotbal.aksdj
            Contact: <sip:caller@host59.example.net>
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP), false),
        // §3.1.2.7 < > enclosing the Request-URI
        Arguments.of("3.1.2.7 ltgtruri", sip("""
            INVITE <sip:user@example.com> SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.net;tag=39291
            Max-Forwards: 23
            Call-ID: ltgtruri.1@192.0.2.5
            CSeq: 1 INVITE
            Via: SIP/2.0/UDP 192.0.2.5
            Contact: <sip:caller@host5.example.net>
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP), false),
        // §3.1.2.8 embedded LWS in the Request-URI
        Arguments.of("3.1.2.8 lwsruri", sip("""
            INVITE sip:user@example.com; lr SIP/2.0
            To: sip:user@example.com;tag=3xfe-9921883-z9f
            From: sip:caller@example.net;tag=231413434
            Max-Forwards: 5
            Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423
            CSeq: 2130706432 INVITE
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395
            Contact: <sip:caller@host1.example.net>
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP), false),
        // §3.1.2.12 baddate: non-GMT time zone in Date (the RI refuses it; the request is answerable)
        Arguments.of("3.1.2.12 baddate", sip("""
            INVITE sip:user@example.com SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.net;tag=2234923
            Max-Forwards: 70
            Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234
            CSeq: 1392934 INVITE
            Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
            Date: Fri, 01 Jan 2010 16:00:00 EST
            Contact: <sip:caller@host5.example.net>
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP), true),
        // §3.1.2.16 unknown protocol version
        Arguments.of("3.1.2.16 badvers", sip("""
            OPTIONS sip:t.watson@example.org SIP/7.0
            Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw
            Max-Forwards:     70
            From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
            To:      T. Watson <sip:t.watson@example.org>
            Call-ID: badvers.31417@c.example.com
            CSeq:    1 OPTIONS
            l: 0
            """), true),
        // §3.1.2.17 start line and CSeq method mismatch
        Arguments.of("3.1.2.17 mismatch01", sip("""
            OPTIONS sip:user@example.com SIP/2.0
            To: sip:j.user@example.com
            From: sip:caller@example.org;tag=34525
            Max-Forwards: 6
            Call-ID: mismatch01.dj0234sxdfl3
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
            l: 0
            """), true),
        // §3.1.2.18 unknown method with CSeq method mismatch
        Arguments.of("3.1.2.18 mismatch02", sip("""
            NEWMETHOD sip:user@example.com SIP/2.0
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=34525
            Max-Forwards: 6
            Call-ID: mismatch02.dj0234sxdfl3
            CSeq: 8 INVITE
            Contact: <sip:caller@host.example.net>
            Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw
            Content-Type: application/sdp
            l: $CL
            """, SDP), true),
        // §3.1.2.19 overlarge response code
        Arguments.of("3.1.2.19 bigcode", sip("""
            SIP/2.0 4294967301 better not break the receiver
            Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
            Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i
            CSeq: 353494 INVITE
            From: <sip:user@example.com>;tag=39ansfi3
            To: <sip:user@example.edu>;tag=902jndnke3
            Content-Length: 0
            Contact: <sip:user@host105.example.com>
            """), false),
        // §3.3.15-style missing mandatory headers (no Call-ID, From, To): nothing to answer with
        Arguments.of("insuf: missing Call-ID/From/To", sip("""
            INVITE sip:user@example.com SIP/2.0
            CSeq: 193942 INVITE
            Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf
            Content-Type: application/sdp
            l: $CL
            """, SDP), false),
        Arguments.of("missing Via", sip(BASE_INVITE.replace("Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\n", ""), SDP), false),
        Arguments.of("missing CSeq", sip(BASE_INVITE.replace("CSeq: 314159 INVITE\n", ""), SDP), false),
        Arguments.of("bad CSeq number", sip(BASE_INVITE.replace("CSeq: 314159 INVITE", "CSeq: abc INVITE"), SDP), false),
        Arguments.of("bad CSeq method", sip(BASE_INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 IN VITE"), SDP), false),
        Arguments.of("bad Contact", sip(BASE_INVITE.replace("Contact: <sip:alice@pc33.atlanta.example.com>", "Contact: <sip:alice@pc33"), SDP), true),
        Arguments.of("non-numeric Content-Length", sip(BASE_INVITE.replace("$CL", "12x"), SDP), true),
        Arguments.of("malformed ACK is never answered", sip(BASE_INVITE.replace("INVITE", "ACK").replace("Max-Forwards: 70", "Max-Forwards: 300"), SDP), false),
        Arguments.of("malformed response is never answered", sip("""
            SIP/2.0 180 Ringing
            Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8
            To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
            From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
            Call-ID: a84b4c76e66710
            CSeq: 314159 INVITE
            Max-Forwards: many
            Content-Length: 0
            """), false),
        Arguments.of("garbage", "\u0001\u0002 hello, not SIP at all \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), false),
        Arguments.of("binary noise", new byte[] {(byte) 0xff, 0, 1, 2, (byte) 0x80, '\r', '\n', '\r', '\n'}, false),
        Arguments.of("empty", new byte[0], false),
        Arguments.of("whitespace only", " \t\r\n \r\n".getBytes(StandardCharsets.US_ASCII), false),
        Arguments.of("CRLF only", "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false),
        Arguments.of("start line only", "INVITE sip:bob@example.com SIP/2.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), false));
  }


  /**
   * RFC-invalid messages the RI parser accepts. None of them endangers the SBC (the parsed
   * message is internally consistent and re-encodes canonically), so they are tolerated; the
   * assertions pin that down so a change of behaviour is noticed.
   */
  static Stream<Arguments> toleratedThoughInvalid() {
    return Stream.of(
        // §3.1.2.9 lwsstart: multiple SP between request-line elements
        Arguments.of("3.1.2.9 lwsstart", sip("""
            INVITE  sip:user@example.com  SIP/2.0
            Max-Forwards: 8
            To: sip:user@example.com
            From: sip:caller@example.net;tag=8814
            Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com
            CSeq: 1893884 INVITE
            Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923
            Contact: <sip:caller@host1.example.net>
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP)),
        // §3.1.2.10 trws: SP at end of the request line
        Arguments.of("3.1.2.10 trws", sip("""
            OPTIONS sip:remote-target@example.com SIP/2.0 \s
            Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK299342093
            To: <sip:remote-target@example.com>
            From: <sip:local-resource@example.com>;tag=329429089
            Call-ID: trws.oicu34958239neffasdhr2345r
            Accept: application/sdp
            CSeq: 238923 OPTIONS
            Max-Forwards: 70
            Content-Length: 0
            """)),
        // §3.1.2.11 escruri: escaped headers in the Request-URI
        Arguments.of("3.1.2.11 escruri", sip("""
            INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.net;tag=341518
            Max-Forwards: 7
            Contact: <sip:caller@host39923.example.net>
            Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5
            CSeq: 39234321 INVITE
            Via: SIP/2.0/UDP host-of-the-caller.example.net;branch=z9hG4bKkdjuw
            Content-Type: application/sdp
            Content-Length: $CL
            """, SDP)));
  }


  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
