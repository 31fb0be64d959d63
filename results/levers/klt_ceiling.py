import numpy as np, glob, io, sys
from PIL import Image
rng=np.random.default_rng(0)
T=16
def load(p): return np.asarray(Image.open(p).convert('RGB'),np.float32)/255
def tiles(a):
    H,W,_=a.shape; H-=H%T; W-=W%T; a=a[:H,:W]
    return a.reshape(H//T,T,W//T,T,3).transpose(0,2,1,3,4).reshape(-1,T*T*3)
train=sorted(glob.glob('../shared/data/train/*/*'))
P=[]
for p in rng.choice(train,300,replace=False):
    t=tiles(load(p)); P.append(t[rng.choice(len(t),min(len(t),400),replace=False)])
P=np.concatenate(P); mu=P.mean(0)
C=np.cov((P-mu).T); ev,V=np.linalg.eigh(C); V=V[:,::-1]
print('train patches',P.shape)
val=sorted(glob.glob('../shared/data/val/bsd100/*'))[:20]
ctr=(P-mu)@V
def rate_dist(step):
    qtr=np.rint(ctr/step).astype(int)
    # pmf per index from train, laplace smoothing
    bits=0; npx=0; mse=[]; bpps=[]; ps=[]
    for p in val:
        a=load(p); H,W,_=a.shape; t=tiles(a)
        c=(t-mu)@V; q=np.rint(c/step).astype(int)
        b=0
        for k in range(q.shape[1]):
            vals,cnt=np.unique(qtr[:,k],return_counts=True)
            d=dict(zip(vals,cnt)); tot=cnt.sum()+len(vals)+1
            b+=sum(-np.log2((d.get(v,0)+ (1 if v in d else 0.5))/tot) for v in q[:,k]) if False else 0
            # vectorized
            pr=np.array([d.get(v,0) for v in q[:,k]],float)+0.5
            b+=-np.log2(pr/tot).sum()
        rec=q*step@V.T+mu
        m=np.mean((rec-t)**2); ps.append(10*np.log10(1/m)); bpps.append(b/(t.shape[0]*T*T))
    return np.mean(bpps),np.mean(ps)
for step in [0.02,0.04,0.06,0.08,0.12,0.16,0.24]:
    print('step',step,'bpp %.3f psnr %.2f'%rate_dist(step),flush=True)
# JPEG at similar bpp on same (cropped) images
for qual in [20,30,40,50,60]:
    bp=[];ps=[]
    for p in val:
        a=load(p);H,W,_=a.shape;a=a[:H-H%T,:W-W%T]
        im=Image.fromarray((a*255).round().astype(np.uint8)); buf=io.BytesIO(); im.save(buf,'JPEG',quality=qual)
        r=np.asarray(Image.open(io.BytesIO(buf.getvalue())),np.float32)/255
        bp.append(len(buf.getvalue())*8/(a.shape[0]*a.shape[1])); ps.append(10*np.log10(1/np.mean((r-a)**2)))
    print('jpeg',qual,'bpp %.3f psnr %.2f'%(np.mean(bp),np.mean(ps)))
