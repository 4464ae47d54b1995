#!/usr/bin/env python3
"""Re-encode two Sigsum proofs (test.sigsum.org/barreleye) as C2SP checkpoints with cosignature lines.

Every signature below is copied from the source (see README.md); this script only re-encodes
them as signed-note lines, computing the key hints and choosing the witness key names (a
cosignature/v1 message does not include the name). It verifies each signature before writing,
with the `cryptography` package. Run: python3 make_notes.py <output dir>
"""
import hashlib, base64, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
logkey=bytes.fromhex("4644af2abd40f4895a003bca350f9d5912ab301a49c77f13e5b6d905c20a5fe6")
wit={"sigsum-test1":"1c25f8a44c635457e2e391d1efbca7d4c2951a0aef06225a881e46b98962ac6c","sigsum-test2":"28c92a5a3a054d317c86fc2eeb6a7ab2054d6217100d0be67ded5b74323c5806","sigsum-test3":"f4855a0f46e8a3e23bb40faf260ee57ab8a18249fa402f2ca2d28a60e1a3130e"}
origin="sigsum.org/v1/tree/"+hashlib.sha256(logkey).hexdigest()
def hint(name,t,key): return hashlib.sha256(name.encode()+b"\n"+bytes([t])+key).digest()[:4]
def vkey(name,t,key): return f"{name}+{hint(name,t,key).hex()}+{base64.b64encode(bytes([t])+key).decode()}"


def note(size, root, logsig, ts, cos):
    body=f"{origin}\n{size}\n{base64.b64encode(bytes.fromhex(root)).decode()}\n"
    Ed25519PublicKey.from_public_bytes(logkey).verify(bytes.fromhex(logsig), body.encode())
    lines=[f"— {origin} "+base64.b64encode(hint(origin,1,logkey)+bytes.fromhex(logsig)).decode()]
    msg=f"cosignature/v1\ntime {ts}\n".encode()+body.encode()
    for n,k in wit.items():
        kb=bytes.fromhex(k); h=hashlib.sha256(kb).hexdigest()
        if h not in cos: print("absent",n); continue
        s=bytes.fromhex(cos[h]); Ed25519PublicKey.from_public_bytes(kb).verify(s,msg)
        lines.append(f"— {n} "+base64.b64encode(hint(n,4,kb)+struct.pack(">Q",ts)+s).decode())
    return body+"\n"+"\n".join(lines)+"\n"
cos930={"e923764535cac36836d1af682a2a3e5352e2636ec29c1d34c00160e1f4946d31":"eb9670fc459a8a3ca226cda1cdc37079018e7e2ae94db426da8e25e181ca29fd651e5ab6e12b3b080fd93cf41304d78669da499744f2c8db8adf25d9fa1ecb0e",
"70b861a010f25030de6ff6a5267e0b951e70c04b20ba4a3ce41e7fba7b9b7dfc":"62b2733f600df0cf2b2fe6e3e2b5e525048280872b68df3fc4b08409e325c857b5aa4b96806ced5fcb8edf4eb138e13772f48d55cc0de821bb8e6866443e7602",
"49c4cd6124b7c572f3354d854d50b2a4b057a750f786cf03103c09de339c4ea3":"dbf5eb3cb2f7f0bb4f81d748becb2e9ab0454e7fe674722d53963044b53a7105ec6b0dc83fd942f68d6bc5eca37540c837fcef3b657cf920a98e61adcdfc3d08",
"1c997261f16e6e81d13f420900a2542a4b6a049c2d996324ee5d82a90ca3360c":"5c5fa4d25f7734caf519c41b25e40220d54a7b1637cb608a034d7ee7878501313b36c8b8c0e4b61c7bb7d1f123aa856ffdb80e035650eac4b59be0f877d68e00",
"42351ad474b29c04187fd0c8c7670656386f323f02e9a4ef0a0055ec061ecac8":"87c38ca5122a164450c93656a10b36deade0d031501d63ea9377d24608ad0d45949d938129c7e780495332aa09c44f8bf00a08ffe689a470504c25beb8bdfc07"}
cos1329={"70b861a010f25030de6ff6a5267e0b951e70c04b20ba4a3ce41e7fba7b9b7dfc":"1ea63b6b7b4fe26efa8c1b1a23783cafcaf94519ccb55201145e4cfec15a69911b4efdd65c02d5b9adef91cd2df32c96da0e0b4c97e88bc505eb811b4b950901",
"49c4cd6124b7c572f3354d854d50b2a4b057a750f786cf03103c09de339c4ea3":"3788344f8efcc4a2fd646d7af7bba180a394875bb5ea64e8a334a0c1b6cac2f4425997157b77dd7f4f39f60ca3b842157eb6afbe83618e28ca87445a1932a708",
"42351ad474b29c04187fd0c8c7670656386f323f02e9a4ef0a0055ec061ecac8":"dcc153e74c9cae5a721ba2f04ffcbbb0a00c8396299dbe7fee427d17b96d4ee92c2e837cbffa0900604118fdf57f0ad3d0f89c8e5b1a830fdfa1a67dc7323a0d",
"1c997261f16e6e81d13f420900a2542a4b6a049c2d996324ee5d82a90ca3360c":"fc6e1554ca1afc1847f5039b0ba09fffc47d64c24e23be5ceed0f83e0cf5c0c7fe0d2625ad3ea01956c7b05a1688efd941761daaff86bef09fa8275a26063906",
"e923764535cac36836d1af682a2a3e5352e2636ec29c1d34c00160e1f4946d31":"9ea315932f7fdcae21d890dc90a4133c9ba1b60e5adb68ebfb4c1eba2783e355f3c922f3ee3cf603505ee899143d1d48863df4beab2583e3003c31178624b50d"}
a=note(930,"f24ca2b7b234c380438fbeb7e6a3e7481705adf22b8ecab47ca049b31b642bd8","a3e28bf1b8e97664ba2505ed1f02373af70ad86f5a794b8ddf77c9dfc2cda3766479cc53906312dc705f5892472eb1b1a60843f1fd0e0ea3442b6df6a7f11805",1749045854,cos930)
b=note(1329,"1c976d814b6feb92ab652982e9ae736fcbb7b25023a1f8e92172270a11cfb082","77d2d05baf593d2a4a1ac4e968cf482aa335856ca401f64630819cd74cf552e8f99a0013b6f984efaf1233022da609b4c9c3531c50cec1ecd6b39f8b0b88d504",1750089614,cos1329)
import sys
if len(sys.argv)>1:
    d=sys.argv[1]
    open(d+"/barreleye-930.note","w").write(a)
    open(d+"/barreleye-1329.note","w").write(b)
    open(d+"/witnesses.vkeys","w").write("".join(vkey(n,4,bytes.fromhex(k))+"\n" for n,k in wit.items()))
    open(d+"/log.vkey","w").write(vkey(origin,1,logkey)+"\n")
